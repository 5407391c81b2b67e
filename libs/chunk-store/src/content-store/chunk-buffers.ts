import { alignedBuffer } from '@hangar/blob-store';

/**
 * Buffers of the largest chunk size, each holding one chunk while it is hashed and written, then handed back for the
 * next: an ingest needs only as many as it has chunks in flight, instead of a fresh allocation per chunk (fresh
 * memory is the costliest thing a GiB can ask for, and its garbage the next).
 */
export class ChunkBuffers {
  private readonly free: Buffer[] = [];

  constructor(private readonly size: number) {}

  /** A buffer holding the slices joined: a view of exactly their length. */
  fill(slices: readonly Buffer[], length: number): Buffer {
    if (length > this.size) throw new RangeError(`a chunk of ${length} bytes exceeds the largest chunk size, ${this.size}`);
    // Shared memory: the hashing thread reads the chunk where it is; aligned: the store writes it with direct I/O.
    const buffer = this.free.pop() ?? alignedBuffer(this.size, { shared: true });
    let at = 0;
    for (const slice of slices) at += slice.copy(buffer, at);
    return buffer.subarray(0, length);
  }

  /** The chunk is written: its buffer may hold the next one. */
  release(chunk: Buffer): void {
    this.free.push(Buffer.from(chunk.buffer, chunk.byteOffset, this.size));
  }
}
