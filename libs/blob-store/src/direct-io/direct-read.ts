import { constants } from 'node:fs';
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
