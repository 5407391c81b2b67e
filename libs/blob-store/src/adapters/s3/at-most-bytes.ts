import { Readable } from 'node:stream';

/**
 * `source` cut after `length` bytes. Some S3-compatible servers answer a range they misread with more than was asked
 * (s3rver reads `bytes=0-0` as the whole object); a reader of a range must never receive bytes past its end.
 * Destroying the result destroys `source` (and its connection).
 */
export function atMostBytes(source: Readable, length: number): Readable {
  return Readable.from(
    (async function* () {
      let left = length;
      try {
        for await (const chunk of source) {
          const data: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
          if (data.length >= left) {
            if (left > 0) yield data.subarray(0, left);
            return;
          }
          left -= data.length;
          yield data;
        }
      } finally {
        source.destroy();
      }
    })(),
    { objectMode: false },
  );
}
