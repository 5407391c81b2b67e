import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { alignUp, isAlignedForDirectIo } from './aligned-memory';

/**
 * Direct I/O (`O_DIRECT`): the kernel moves the bytes between the disk and the process's own (aligned) memory, with
 * no copy into the page cache. Bulk bytes that are written once and not read back soon (chunks, a worker's build
 * folder) cost far less CPU that way: a buffered write copies every byte into freshly allocated page-cache pages,
 * which on a virtual machine that hands its free memory back to the host (free page reporting) costs seconds of
 * kernel time per GiB. Filesystems without it refuse the open or the write with EINVAL; callers then use a plain
 * descriptor.
 */
const DIRECT = constants.O_DIRECT ?? 0;

/** EINVAL from an O_DIRECT open or write: this filesystem, device or alignment cannot do direct I/O. */
export const isDirectIoRefused = (error: unknown): boolean => DIRECT !== 0 && (error as NodeJS.ErrnoException).code === 'EINVAL';

/** Opens `path` with O_DIRECT added to `flags`, or without it where the filesystem has no direct I/O (or it is off). */
export async function openMaybeDirect(path: string, flags: number, mode?: number, wanted = true): Promise<{ handle: FileHandle; direct: boolean }> {
  if (wanted && DIRECT !== 0) {
    try {
      return { handle: await open(path, flags | DIRECT, mode), direct: true };
    } catch (error) {
      if (!isDirectIoRefused(error)) throw error;
    }
  }
  return { handle: await open(path, flags, mode), direct: false };
}

/**
 * Writes `bytes` (memory from `alignedBuffer`, see `isAlignedForDirectIo`) at the aligned `position` of a file opened
 * with O_DIRECT. The last block is written whole, bytes past `bytes.length` included: the caller cuts the file back
 * to its length (`truncate`) once the last write is done.
 */
export async function writeDirect(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  if (!isAlignedForDirectIo(bytes)) throw new RangeError('direct writes need aligned memory from alignedBuffer');
  const blocks = Buffer.from(bytes.buffer, bytes.byteOffset, alignUp(bytes.length));
  let written = 0;
  while (written < blocks.length) {
    const { bytesWritten } = await handle.write(blocks, written, blocks.length - written, position + written);
    if (bytesWritten === 0) throw new Error(`direct write made no progress at ${position + written}`);
    written += bytesWritten;
  }
}
