/**
 * Alignment that direct I/O asks of a buffer's address, of a write's length and of its file offset. Most disks want
 * 512 bytes, disks with 4 KiB sectors 4096: 4096 serves both.
 */
export const DIRECT_IO_ALIGNMENT = 4096;

/** WebAssembly's page: the unit its memories grow by, and the alignment V8 gives their start. */
const WASM_PAGE_BYTES = 64 * 1024;

/** The one part of WebAssembly used here (the project's TypeScript libraries do not declare WebAssembly). */
interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number; shared: boolean }): { readonly buffer: ArrayBuffer | SharedArrayBuffer };
}
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } }).WebAssembly.Memory;

/** Backing stores handed out by `alignedBuffer`: their first byte sits on a page boundary. */
const alignedStores = new WeakSet<ArrayBufferLike>();

/**
 * A buffer of at least `size` bytes whose first byte is page aligned, as direct I/O needs (the kernel moves the bytes
 * between the disk and this memory itself, without the page cache). Node gives no way to ask for aligned memory, and
 * its buffers start wherever the allocator put them; a WebAssembly memory always starts on a page boundary.
 * `shared`: backed by a SharedArrayBuffer, so that other threads can read it where it is.
 */
export function alignedBuffer(size: number, options: { shared?: boolean } = {}): Buffer {
  const pages = Math.max(1, Math.ceil(size / WASM_PAGE_BYTES));
  const memory = new WasmMemory({ initial: pages, maximum: pages, shared: options.shared ?? false });
  alignedStores.add(memory.buffer);
  return Buffer.from(memory.buffer, 0, size);
}

/** Rounds up to the direct I/O alignment. */
export const alignUp = (bytes: number): number => Math.ceil(bytes / DIRECT_IO_ALIGNMENT) * DIRECT_IO_ALIGNMENT;

/** Rounds down to the direct I/O alignment: where the last whole block of `bytes` ends. */
export const alignDown = (bytes: number): number => bytes - (bytes % DIRECT_IO_ALIGNMENT);

/**
 * Whether `bytes` can be written with direct I/O as they lie: they start on an aligned address of memory from
 * `alignedBuffer`, and the memory goes on at least to the next aligned length (a direct write of the last, partial
 * block writes whole blocks; the file is cut back to its length afterwards).
 */
export function isAlignedForDirectIo(bytes: Buffer): boolean {
  return (
    alignedStores.has(bytes.buffer) &&
    bytes.byteOffset % DIRECT_IO_ALIGNMENT === 0 &&
    bytes.byteOffset + alignUp(bytes.length) <= bytes.buffer.byteLength
  );
}
