import { GEAR_TABLE } from './gear-table';
import { chunkingFor, type ChunkingOptions } from './chunking-options';

/**
 * FastCDC's normalised masks over the top bits of a 32-bit gear hash (a byte leaves the hash after 32 shifts, so the
 * top bits see the last 32 bytes). Before the average size a cut needs one more zero bit than after it: sizes
 * gather around the average instead of spreading geometrically.
 */
function masks(avgSize: number): { strict: number; loose: number } {
  const bits = Math.log2(avgSize);
  const top = (n: number) => (n >= 32 ? 0xffffffff : (0xffffffff << (32 - n)) >>> 0);
  return { strict: top(bits + 1), loose: top(bits - 1) };
}

/** Where the first chunk of `data` ends: a content-defined cut point, or `data.length` when none comes before it. */
export function findCutPoint(data: Uint8Array, options: ChunkingOptions): number {
  const length = Math.min(data.length, options.maxSize);
  if (length <= options.minSize) return length;
  const { strict, loose } = masks(options.avgSize);
  const normal = Math.min(options.avgSize, length);
  let hash = 0;
  let i = options.minSize;
  for (; i < normal; i++) {
    hash = ((hash << 1) + GEAR_TABLE[data[i]]) >>> 0;
    if ((hash & strict) === 0) return i + 1;
  }
  for (; i < length; i++) {
    hash = ((hash << 1) + GEAR_TABLE[data[i]]) >>> 0;
    if ((hash & loose) === 0) return i + 1;
  }
  return length;
}

/**
 * Cuts a byte stream into content-defined chunks. Holds at most twice `maxSize` plus one incoming piece: a cut is made only
 * once `maxSize` bytes are buffered (or at the end), so the boundaries depend on the bytes alone, never on how the
 * stream happened to split them.
 */
export async function* chunkStream(source: AsyncIterable<Uint8Array>, options: ChunkingOptions = chunkingFor()): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    pendingBytes += piece.byteLength;
    // Joined only once twice `maxSize` is pending: each join then yields several chunks instead of about one, which
    // halves the bytes copied. Cuts still happen only with at least `maxSize` in hand, so they do not move.
    if (pendingBytes < 2 * options.maxSize) continue;
    let buffer = Buffer.concat(pending, pendingBytes);
    while (buffer.length >= options.maxSize) {
      const cut = findCutPoint(buffer, options);
      // Copied out: the consumer may keep a chunk while the rest of the buffer is released.
      yield Buffer.from(buffer.subarray(0, cut));
      buffer = buffer.subarray(cut);
    }
    pending = buffer.length ? [buffer] : [];
    pendingBytes = buffer.length;
  }
  let rest = Buffer.concat(pending, pendingBytes);
  while (rest.length > 0) {
    const cut = findCutPoint(rest, options);
    yield Buffer.from(rest.subarray(0, cut));
    rest = rest.subarray(cut);
  }
}
