import type { FileHandle } from 'node:fs/promises';

/**
 * Writes every byte of `buffers` with `writev`, at `position` (at the file's current offset when omitted), going on
 * after a short write (rare: signals, quotas) from where it stopped. Resolves with the bytes written.
 */
export async function writevFully(handle: FileHandle, buffers: readonly Buffer[], position?: number): Promise<number> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  let written = 0;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, position === undefined ? undefined : position + written);
    written += bytesWritten;
    let skip = bytesWritten;
    while (pending.length > 0 && skip >= pending[0].length) skip -= pending.shift()!.length;
    if (skip > 0) pending = [pending[0].subarray(skip), ...pending.slice(1)];
  }
  return written;
}
