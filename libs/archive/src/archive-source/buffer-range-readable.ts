import { Readable } from 'node:stream';
import type { RangeReadable } from './archive-source';

/** Ranges are served in chunks of this size by default, as a file or network source would. */
const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * An archive held in memory (a small upload, a test): ranges are views of the buffer, served in `chunkBytes` pieces
 * so that consumers see the same chunked flow, and back-pressure, as from a file.
 */
export function bufferRangeReadable(bytes: Buffer, chunkBytes = DEFAULT_CHUNK_BYTES): RangeReadable {
  return {
    size: bytes.length,
    read: async (start, endExclusive) => {
      let position = Math.max(0, start);
      const end = Math.min(endExclusive, bytes.length);
      return new Readable({
        read() {
          if (position >= end) return void this.push(null);
          const next = Math.min(position + chunkBytes, end);
          this.push(bytes.subarray(position, next));
          position = next;
        },
      });
    },
  };
}
