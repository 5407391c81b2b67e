import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * Random access to an archive's bytes, shaped like the blob store's `get(key, { start, end })`, so that a build can
 * be inspected where it is stored (file or S3 range requests) without being copied first.
 */
export interface RangeReadable {
  readonly size: number;
  /** Bytes `[start, endExclusive)`. */
  read(start: number, endExclusive: number): Promise<Readable>;
  /** Called once when the archive is closed, e.g. to release a file handle. */
  close?(): Promise<void>;
}

/** A local file path, or any range-readable source. */
export type ArchiveSource = string | RangeReadable;

/** Large reads (entry data) in 1 MiB chunks: yauzl's own file reader uses 8 KiB, which starves inflate. */
const FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * Bytes `[start, end)` of an open file. Not `fs.createReadStream({ fd })`: destroying such a stream closes the
 * descriptor even with `autoClose: false`, which would break every other stream sharing it.
 */
function fileRangeStream(handle: FileHandle, start: number, end: number): Readable {
  let position = start;
  return new Readable({
    highWaterMark: FILE_CHUNK_BYTES,
    read() {
      const length = Math.min(FILE_CHUNK_BYTES, end - position);
      if (length <= 0) return void this.push(null);
      const buffer = Buffer.allocUnsafe(length);
      handle.read(buffer, 0, length, position).then(
        ({ bytesRead }) => {
          // A short file ends the stream early; whoever asked for the range counts the bytes.
          if (bytesRead === 0) return void this.push(null);
          position += bytesRead;
          this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        },
        (error: Error) => this.destroy(error),
      );
    },
  });
}

/** One file handle shared by every range stream of the archive, closed with it. */
export async function fileRangeReadable(path: string): Promise<RangeReadable> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      size,
      read: async (start, endExclusive) => fileRangeStream(handle, start, endExclusive),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
