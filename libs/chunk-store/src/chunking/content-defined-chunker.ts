import { endianness } from 'node:os';
import { GEAR_TABLE } from './gear-table';
// Types only: `chunkingFor` would load @hangar/contracts (and its validation libraries, 150 ms) into every ingest
// thread, on the critical path of each download.
import type { ChunkingOptions } from './chunking-options';

/** The gear table as signed 32-bit values: the loop below stays in small-integer arithmetic (`| 0`, no `>>> 0`). */
const GEAR = new Int32Array(GEAR_TABLE.buffer, GEAR_TABLE.byteOffset, GEAR_TABLE.length);

/** Words are read as four bytes in little-endian order (every platform Node runs on here; others read bytes). */
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Runs the gear hash over `data[from, end)` from `state.hash`, stopping after the first byte where `hash & mask` is
 * 0: returns the index just past that byte, or -1 when there is none; `state.hash` is then the hash after the last
 * byte. The bytes are read four at a time (one aligned 32-bit load instead of four byte loads, each bounds-checked:
 * about a third faster), with single bytes before the first aligned address and after the last whole word.
 */
function gearScan(data: Uint8Array, from: number, end: number, mask: number, state: { hash: number }): number {
  let hash = state.hash;
  let i = from;
  const head = LITTLE_ENDIAN ? Math.min(end, from + ((4 - ((data.byteOffset + from) & 3)) & 3)) : end;
  for (; i < head; i++) {
    hash = ((hash << 1) + GEAR[data[i]]) | 0;
    if ((hash & mask) === 0) return i + 1;
  }
  const words = (end - i) >> 2;
  if (words > 0) {
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const v = view[w];
      hash = ((hash << 1) + GEAR[v & 0xff]) | 0;
      if ((hash & mask) === 0) return i + 4 * w + 1;
      hash = ((hash << 1) + GEAR[(v >>> 8) & 0xff]) | 0;
      if ((hash & mask) === 0) return i + 4 * w + 2;
      hash = ((hash << 1) + GEAR[(v >>> 16) & 0xff]) | 0;
      if ((hash & mask) === 0) return i + 4 * w + 3;
      hash = ((hash << 1) + GEAR[v >>> 24]) | 0;
      if ((hash & mask) === 0) return i + 4 * w + 4;
    }
    i += 4 * words;
  }
  for (; i < end; i++) {
    hash = ((hash << 1) + GEAR[data[i]]) | 0;
    if ((hash & mask) === 0) return i + 1;
  }
  state.hash = hash;
  return -1;
}

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
  /** The gear hash carried in and out of `gearScan`. */
  private readonly scanned = { hash: 0 };

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
      const end = Math.min(to, i + (this.normalSize - length));
      const offset = length - i;
      this.scanned.hash = hash;
      const cut = gearScan(data, i, end, this.strict, this.scanned);
      if (cut !== -1) return this.cut(cut);
      hash = this.scanned.hash;
      i = end;
      length = i + offset;
    }
    // After it, up to the maximum: the loose mask.
    if (length >= this.normalSize && i < to) {
      const end = Math.min(to, i + (this.maxSize - length));
      const offset = length - i;
      this.scanned.hash = hash;
      const cut = gearScan(data, i, end, this.loose, this.scanned);
      if (cut !== -1) return this.cut(cut);
      hash = this.scanned.hash;
      i = end;
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
export async function* chunkSlices(source: AsyncIterable<Uint8Array>, options: ChunkingOptions): AsyncGenerator<Buffer[]> {
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
export async function* chunkStream(source: AsyncIterable<Uint8Array>, options: ChunkingOptions): AsyncGenerator<Buffer> {
  for await (const slices of chunkSlices(source, options)) yield Buffer.concat(slices);
}
