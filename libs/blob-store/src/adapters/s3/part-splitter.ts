import type { Readable } from 'node:stream';

/** S3 allows at most this many parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's maximum part size. */
const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

/**
 * The size of part `n` (1-based) when the object's size is unknown: `base` for the first thousand parts, doubling every
 * thousand after. Memory stays at `base` for ordinary objects (up to 1000 × base: 16 GB with the default) while
 * 10,000 parts still reach S3's 5 TiB object limit (1000 × base × (2^10 − 1): 4.9 TiB with the 5 MiB minimum, more
 * than 5 TiB with the 16 MiB default). S3 allows parts of different sizes; only the last may be under 5 MiB.
 */
export function partSizeSchedule(base: number): (partNumber: number) => number {
  return (partNumber) => Math.min(base * 2 ** Math.floor((partNumber - 1) / 1000), MAX_PART_SIZE);
}

/**
 * Cut a stream into parts, each exactly `partSizeFor(n)` bytes except the last (which may be empty only when the
 * whole stream is). Holds one part plus one incoming chunk in memory.
 */
export async function* splitIntoParts(source: Readable, partSizeFor: (partNumber: number) => number): AsyncGenerator<Buffer> {
  let partNumber = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let yielded = false;
  for await (const chunk of source) {
    let rest: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    while (rest.length > 0) {
      const wanted = partSizeFor(partNumber) - pendingBytes;
      const taken = rest.subarray(0, wanted);
      pending.push(taken);
      pendingBytes += taken.length;
      rest = rest.subarray(taken.length);
      if (pendingBytes === partSizeFor(partNumber)) {
        yield Buffer.concat(pending, pendingBytes);
        yielded = true;
        pending = [];
        pendingBytes = 0;
        partNumber++;
      }
    }
  }
  if (pendingBytes > 0 || !yielded) yield Buffer.concat(pending, pendingBytes);
}
