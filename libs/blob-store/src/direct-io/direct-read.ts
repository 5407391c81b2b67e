import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { alignUp, isAlignedForDirectIo } from './aligned-memory';
import { isDirectIoRefused, openMaybeDirect } from './direct-file';

/**
 * Reads up to `into.length` bytes from the start of the file at `path` into `into` (a view of aligned memory from
 * `alignedBuffer` that goes on to its length rounded up to the alignment: see `isAlignedForDirectIo`), with direct
 * I/O where the filesystem has it: bytes that were written with direct I/O are not in the page cache, and reading
 * them through it would copy each into fresh pages. Resolves with a view of the bytes read (fewer when the file is
 * shorter). Throws the open's error (ENOENT for a missing file).
 */
export async function readFileStart(path: string, into: Buffer): Promise<Buffer> {
  if (!isAlignedForDirectIo(into)) throw new RangeError('direct reads need aligned memory from alignedBuffer');
  const size = into.length;
  const span = alignUp(size);
  const blocks = Buffer.from(into.buffer, into.byteOffset, span);
  for (let wanted = true; ; wanted = false) {
    const { handle, direct } = await openMaybeDirect(path, constants.O_RDONLY, undefined, wanted);
    try {
      let read = 0;
      while (read < size) {
        // Direct reads are whole blocks: ask for the rounded-up rest, a file that ends sooner returns less.
        const { bytesRead } = await handle.read(blocks, read, (direct ? span : size) - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return into.subarray(0, Math.min(read, size));
    } catch (error) {
      if (!direct || !isDirectIoRefused(error)) throw error;
      // The filesystem took the open but not the read: once more, plainly.
    } finally {
      await handle.close();
    }
  }
}

/**
 * `into.length` bytes of the file at `path` from `offset`, or as many as it has there (a view of `into`), through the
 * page cache: for reads at any offset, which direct I/O cannot do. Throws the open's error (ENOENT for a missing file).
 */
export async function readFileRange(path: string, offset: number, into: Buffer): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    let read = 0;
    while (read < into.length) {
      const { bytesRead } = await handle.read(into, read, into.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return into.subarray(0, read);
  } finally {
    await handle.close();
  }
}
