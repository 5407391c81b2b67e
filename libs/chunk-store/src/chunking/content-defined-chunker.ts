import { GEAR_TABLE } from './gear-table';
import { chunkingFor, type ChunkingOptions } from './chunking-options';

/** The gear table as signed 32-bit values: the loop below stays in small-integer arithmetic (`| 0`, no `>>> 0`). */
const GEAR = new Int32Array(GEAR_TABLE.buffer, GEAR_TABLE.byteOffset, GEAR_TABLE.length);

/**
 * FastCDC's normalised masks over the top bits of a 32-bit gear hash (a byte leaves the hash after 32 shifts, so the
 * top bits see the last 32 bytes). Before the average size a cut needs one more zero bit than after it: sizes
 * gather around the average instead of spreading geometrically. As signed 32-bit values, like the hash.
 */
function masks(avgSize: number): { strict: number; loose: number } {
  const bits = Math.log2(avgSize);
  const top = (n: number) => (n >= 32 ? -1 : (0xffffffff << (32 - n)) | 0);
  return { strict: top(bits + 1), loose: top(bits - 1) };
}

/**
 * Where the first chunk of `data` ends: a content-defined cut point, or `data.length` when none comes before it.
 * The reference definition of the cut points; `ChunkBoundaries` finds the same ones incrementally.
 */
export function findCutPoint(data: Uint8Array, options: ChunkingOptions): number {
  const boundaries = new ChunkBoundaries(options);
  const end = boundaries.scan(data, 0, Math.min(data.length, options.maxSize));
  return end === -1 ? Math.min(data.length, options.maxSize) : end;
}

/**
 * Finds chunk boundaries in a byte stream fed piece by piece, without holding or copying any bytes: the gear hash
 * and the current chunk's length carry over from one piece to the next, so the cuts depend on the bytes alone,
 * never on how the stream happened to split them. The first `minSize` bytes of a chunk are skipped unhashed
 * (FastCDC's cut-point skipping); the hash restarts at 0 with every chunk.
 */
export class ChunkBoundaries {
  private readonly minSize: number;
  private readonly normalSize: number;
  private readonly maxSize: number;
  private readonly strict: number;
  private readonly loose: number;
  /** Bytes of the current chunk seen so far. */
  private length = 0;
  private hash = 0;

  constructor(options: ChunkingOptions) {
    this.minSize = options.minSize;
    this.normalSize = options.avgSize;
    this.maxSize = options.maxSize;
    ({ strict: this.strict, loose: this.loose } = masks(options.avgSize));
  }

  /**
   * Scans `data[from, to)` as the continuation of the current chunk: the index just past the chunk's last byte when
   * it ends in there (the next chunk then starts at that index), or -1 when the chunk goes on past `to`.
   */
  scan(data: Uint8Array, from: number, to: number = data.length): number {
    let i = from;
    let length = this.length;
    let hash = this.hash;
    // Unhashed head of the chunk.
    if (length < this.minSize) {
      const skip = Math.min(this.minSize - length, to - i);
      i += skip;
      length += skip;
    }
    // Before the average size: the strict mask. `length - i` is constant while both advance.
    if (length < this.normalSize && i < to) {
      const strict = this.strict;
      const end = Math.min(to, i + (this.normalSize - length));
      const offset = length - i;
      for (; i < end; i++) {
        hash = ((hash << 1) + GEAR[data[i]]) | 0;
        if ((hash & strict) === 0) return this.cut(i + 1);
      }
      length = i + offset;
    }
    // After it, up to the maximum: the loose mask.
    if (length >= this.normalSize && i < to) {
      const loose = this.loose;
      const end = Math.min(to, i + (this.maxSize - length));
      const offset = length - i;
      for (; i < end; i++) {
        hash = ((hash << 1) + GEAR[data[i]]) | 0;
        if ((hash & loose) === 0) return this.cut(i + 1);
      }
      length = i + offset;
    }
    if (length >= this.maxSize) return this.cut(i);
    this.length = length;
    this.hash = hash;
    return -1;
  }

  /** Bytes of the current (unfinished) chunk: at the end of the stream, the last chunk's size. */
  get pending(): number {
    return this.length;
  }

  private cut(at: number): number {
    this.length = 0;
    this.hash = 0;
    return at;
  }
}

/**
 * Cuts a byte stream into content-defined chunks, each given as the views of the incoming pieces it spans (no byte
 * is copied: a chunk's slices are handed on as they are, to be hashed and written with `writev`). Holds only the
 * pieces of the chunk being cut, at most `maxSize` bytes plus one piece. The pieces must not change afterwards.
 */
export async function* chunkSlices(source: AsyncIterable<Uint8Array>, options: ChunkingOptions = chunkingFor()): AsyncGenerator<Buffer[]> {
  const boundaries = new ChunkBoundaries(options);
  let slices: Buffer[] = [];
  for await (const arrived of source) {
    const piece = Buffer.isBuffer(arrived) ? arrived : Buffer.from(arrived.buffer, arrived.byteOffset, arrived.byteLength);
    let at = 0;
    while (at < piece.length) {
      const end = boundaries.scan(piece, at);
      if (end === -1) {
        slices.push(at === 0 ? piece : piece.subarray(at));
        break;
      }
      if (end > at) slices.push(piece.subarray(at, end));
      yield slices;
      slices = [];
      at = end;
    }
  }
  if (boundaries.pending > 0) yield slices;
}

/** `chunkSlices` with each chunk joined into one Buffer of its own. */
export async function* chunkStream(source: AsyncIterable<Uint8Array>, options: ChunkingOptions = chunkingFor()): AsyncGenerator<Buffer> {
  for await (const slices of chunkSlices(source, options)) yield Buffer.concat(slices);
}
