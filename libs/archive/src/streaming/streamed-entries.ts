import { crc32 } from '../checksum/crc32';
import type { ArchiveLimits } from '../entry-checks/archive-limits';
import { NESTED_ARCHIVE_SNIFF_BYTES } from '../layout-policy/nested-archive';
import { DEFAULT_PACKAGE_POLICY } from '../layout-policy/package-policy';
import { ByteSource } from './byte-source';
import { RawInflater, type InflateStep } from './raw-inflater';
import type { StreamStop, StreamedEntry, StreamedZip } from './streamed-entry';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const FLAG_ENCRYPTED = 0x0001 | 0x0040 | 0x2000;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const ZIP64_MARKER = 0xffffffff;
/** Inflated bytes per piece at most. */
const PIECE_BYTES = 1024 * 1024;
/** Pieces of input `streamEntries` may still read behind the newest (the pending bytes, a seam), with a margin. */
const PIECES_HELD = 4;

/**
 * How far behind the newest byte it has taken from its source `streamEntries` may still read a piece it was handed,
 * or hand on views of it: a source that reuses its memory (`GrowingFile`'s ring) must keep each piece as it was
 * until this many bytes more have been taken after it, plus what its consumer holds of the views it is handed.
 * Anything kept longer (an entry's first bytes) is copied. Also the default of how far behind the newest inflated
 * byte a consumer may still read the inflated pieces it was handed (`StreamOptions.heldBytes`).
 */
export const STREAM_HELD_BYTES = PIECES_HELD * PIECE_BYTES;

export interface StreamOptions {
  /**
   * How many bytes before the newest piece it was handed the consumer may still read (the chunker holds less than
   * the largest chunk before the piece it is scanning): inflated pieces are views of a ring of memory, reused round
   * and round, that keeps them that long. Default `STREAM_HELD_BYTES`.
   */
  heldBytes?: number;
  /**
   * The consumer computes each entry's CRC-32 from the bytes as it keeps them, and compares it with the entry's
   * `crc32`, which is then the one the zip declares (the local header's, or the data descriptor's) instead of one
   * computed here: one CRC-32 pass over the data instead of two, and the one that counts, over the bytes kept. Data
   * descriptors are then known by their signature and sizes (see `ByteSource.untilDescriptor`). Evidence from such
   * a stream is evidence only for the entries the consumer confirmed.
   */
  consumerChecksCrc?: boolean;
}

/**
 * Receives one entry's inflated bytes; must read them to the end (or throw). The pieces may be views of the source's
 * memory, or of the memory they were inflated into: what the consumer keeps of them beyond the distance either
 * allows (see `STREAM_HELD_BYTES`, `StreamOptions.heldBytes`), it copies.
 */
export type StreamedEntryConsumer<R> = (entry: { offset: number; name: Buffer }, contents: AsyncIterable<Buffer>) => Promise<R>;

class Stop extends Error {
  constructor(
    readonly why: StreamStop,
    detail?: string,
  ) {
    super(detail ?? why);
  }
}

/** The sizes of a local header whose 32-bit fields say "see zip64": from its own zip64 extra field. */
function zip64Sizes(extra: Buffer, usize: number, csize: number): { usize: number; csize: number } {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      const field = extra.subarray(at + 4, at + 4 + length);
      let index = 0;
      const next = () => {
        if (index + 8 > field.length) throw new Stop('zip64-sizes-missing');
        const value = field.readUInt32LE(index) + field.readUInt32LE(index + 4) * 0x100000000;
        index += 8;
        return value;
      };
      const u = usize === ZIP64_MARKER ? next() : usize;
      const c = csize === ZIP64_MARKER ? next() : csize;
      return { usize: u, csize: c };
    }
    at += 4 + length;
  }
  throw new Stop('zip64-sizes-missing');
}

/**
 * Memory the inflated pieces are written into, reused round and round. A piece (at most `PIECE_BYTES`) is
 * overwritten only once more than the ring's length less a piece and a quarter (the room left at the end of the
 * ring, when less than a quarter of a piece, is skipped) has been written after it: so a piece stays as it was while
 * no more than `heldBytes` were handed on between its end and the start of the newest piece.
 */
class InflatedRing {
  private readonly memory: Buffer;
  private cursor = 0;

  constructor(heldBytes: number) {
    this.memory = Buffer.allocUnsafeSlow(heldBytes + 3 * PIECE_BYTES);
  }

  /** Room for the next piece. */
  room(): Buffer {
    if (this.memory.length - this.cursor < PIECE_BYTES / 4) this.cursor = 0;
    return this.memory.subarray(this.cursor, Math.min(this.memory.length, this.cursor + PIECE_BYTES));
  }

  /** `bytes` of the room were written. */
  advance(bytes: number): void {
    this.cursor += bytes;
  }
}

/**
 * One inflater and one ring for every deflated entry of a zip, made at the first one: a small entry costs a reset of
 * the inflater, not a zlib stream of its own (`inflateRawSync` made one per call, and a fresh buffer for its output,
 * which a build's thousand 300 KiB files turned into 15 MiB of garbage waiting for a full collection).
 */
class Inflating {
  private inflater: RawInflater | null = null;
  private ring: InflatedRing | null = null;

  constructor(private readonly heldBytes: number) {}

  /**
   * Inflated pieces of one deflated entry's data, read from `input` (views of the source's memory: each is used up
   * before the next is asked for) and written into the ring: views of it, valid for `heldBytes` more. When the
   * deflate stream ends, `rest` learns how many bytes it took and gets what follows it in the last input piece.
   */
  async *inflated(input: AsyncIterable<Buffer>, rest: (read: number, unused: Buffer) => void = () => undefined): AsyncGenerator<Buffer> {
    this.inflater ??= new RawInflater();
    this.ring ??= new InflatedRing(this.heldBytes);
    const { inflater, ring } = this;
    inflater.reset();
    let read = 0;
    const inflate = (from: Buffer, finish: boolean): InflateStep & { piece: Buffer; full: boolean } => {
      const room = ring.room();
      let step: InflateStep;
      try {
        step = inflater.inflate(from, room, finish);
      } catch (error) {
        throw new Stop('corrupt-data', (error as Error).message);
      }
      ring.advance(step.written);
      read += step.read;
      return { ...step, piece: room.subarray(0, step.written), full: step.written === room.length };
    };
    for await (const piece of input) {
      for (let at = 0; ; ) {
        const step = inflate(piece.subarray(at), false);
        at += step.read;
        if (step.piece.length > 0) yield step.piece;
        if (step.ended) return rest(read, piece.subarray(at));
        // The piece is used up once zlib stops with room to spare; with the room full, more may follow from it.
        if (at === piece.length && !step.full) break;
      }
    }
    // No more input: the stream must end in what zlib holds, else it is truncated.
    for (;;) {
      const step = inflate(Buffer.alloc(0), true);
      if (step.piece.length > 0) yield step.piece;
      if (step.ended) return rest(read, Buffer.alloc(0));
    }
  }

  close(): void {
    this.inflater?.close();
  }
}

/**
 * The data descriptor after a deflated entry must state what the stream measured (the CRC-32 too, when it was
 * computed here: `crc` null leaves it to the consumer). Its signature is optional and its sizes are 32 or 64 bits
 * (writers differ on when): the form that agrees is taken, the bytes after it go back; returns the CRC-32 it declares.
 */
async function readDeflatedDescriptor(bytes: ByteSource, measured: { size: number; crc: number | null; csize: number }): Promise<number> {
  const d = await bytes.read(24);
  if (!d) throw new Stop('truncated', 'the zip ends inside a data descriptor');
  for (const signed of [true, false]) {
    if (signed && d.readUInt32LE(0) !== 0x08074b50) continue;
    const at = signed ? 4 : 0;
    for (const wide of [false, true]) {
      const size = (i: number) => (wide ? d.readUInt32LE(at + 4 + i * 8) + d.readUInt32LE(at + 8 + i * 8) * 0x100000000 : d.readUInt32LE(at + 4 + i * 4));
      const length = at + (wide ? 20 : 12);
      const declared = d.readUInt32LE(at);
      if (length <= d.length && (measured.crc === null || declared === measured.crc) && size(0) === measured.csize && size(1) === measured.size) {
        bytes.unread(Buffer.from(d.subarray(length)));
        return declared;
      }
    }
  }
  throw new Stop('corrupt-data', 'the data descriptor disagrees with the data');
}

/**
 * Reads a zip front to back as it arrives: each local header, then the entry's data inflated in pieces of 1 MiB and
 * handed to `consume`, with its size counted and its CRC-32 computed on the way (or left to the consumer,
 * `StreamOptions.consumerChecksCrc`); sizes deferred to a data descriptor
 * are found from the data (where inflate ends; for stored data, a descriptor that confirms the bytes before it).
 * Stops (never throws for the zip's sake) at the first thing a stream cannot settle: encryption, an unknown method or
 * signature, data that inflates past its declared size, limits, a consumer's failure; then drains the rest, so that
 * the caller's copy of the bytes is complete either way. What it found is evidence for the central directory to confirm, never a
 * verdict of its own (see `StreamedEntry`).
 */
export async function streamEntries<R>(
  source: AsyncIterable<Uint8Array>,
  consume: StreamedEntryConsumer<R>,
  limits: ArchiveLimits = DEFAULT_PACKAGE_POLICY,
  options: StreamOptions = {},
): Promise<StreamedZip<R>> {
  const bytes = new ByteSource(source);
  const computeCrc = !options.consumerChecksCrc;
  const inflating = new Inflating(options.heldBytes ?? STREAM_HELD_BYTES);
  const entries: StreamedZip<R>['entries'] = [];
  let declaredTotal = 0;
  try {
    for (;;) {
      const offset = bytes.position;
      const fixed = await bytes.read(30);
      if (!fixed) throw new Stop('truncated');
      const signature = fixed.readUInt32LE(0);
      if (signature === CENTRAL_HEADER || signature === END_OF_CENTRAL_DIRECTORY || signature === ZIP64_END_OF_CENTRAL_DIRECTORY) break;
      if (signature !== LOCAL_HEADER) throw new Stop('unexpected-signature', `0x${signature.toString(16)} at ${offset}`);
      const flags = fixed.readUInt16LE(6);
      const method = fixed.readUInt16LE(8);
      let csize = fixed.readUInt32LE(18);
      let usize = fixed.readUInt32LE(22);
      const name = await bytes.read(fixed.readUInt16LE(26));
      const extra = await bytes.read(fixed.readUInt16LE(28));
      if (!name || !extra) throw new Stop('truncated');
      if (flags & FLAG_ENCRYPTED) throw new Stop('encrypted');
      if (method !== 0 && method !== 8) throw new Stop('compression-method', `method ${method}`);
      const deferred = (flags & FLAG_DATA_DESCRIPTOR) !== 0;
      if (deferred) {
        // Sizes come after the data: bounded by what is left of the total instead (a ratio needs both sizes).
        usize = limits.maxTotalUncompressedBytes - declaredTotal;
        csize = Number.MAX_SAFE_INTEGER;
      } else {
        if (csize === ZIP64_MARKER || usize === ZIP64_MARKER) ({ usize, csize } = zip64Sizes(extra, usize, csize));
        if (method === 0 && csize !== usize) throw new Stop('stored-size-mismatch');
        declaredTotal += usize;
        if (declaredTotal > limits.maxTotalUncompressedBytes) throw new Stop('over-limits');
        if (usize >= limits.compressionRatioMinBytes && usize / Math.max(csize, 1) > limits.maxCompressionRatio) throw new Stop('over-limits');
      }
      if (entries.length + 1 > limits.maxEntries) throw new Stop('over-limits');

      let size = 0;
      // Declared by the local header (or, below, the data descriptor) when the consumer checks it; else computed.
      let crc = computeCrc ? 0 : fixed.readUInt32LE(14);
      // Stored data up to a descriptor: the source computes the CRC-32 itself to find the descriptor, and says it.
      const storedUntilDescriptor = deferred && method === 0;
      const head: Buffer[] = [];
      let headBytes = 0;
      const counted = async function* (pieces: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const piece of pieces) {
          size += piece.length;
          // A bomb is stopped at once, before its bytes fill anything downstream.
          if (size > usize) throw new Stop('inflates-past-declared-size');
          if (computeCrc && !storedUntilDescriptor) crc = crc32(piece, crc);
          if (headBytes < NESTED_ARCHIVE_SNIFF_BYTES) {
            // Copied: kept to the entry's end, long after the source may have reused the piece's memory.
            head.push(Buffer.from(piece.subarray(0, NESTED_ARCHIVE_SNIFF_BYTES - headBytes)));
            headBytes += Math.min(piece.length, NESTED_ARCHIVE_SNIFF_BYTES - headBytes);
          }
          yield piece;
        }
      };
      const dataStart = bytes.position;
      let measured: number | null = null;
      const data = !deferred
        ? method === 0
          ? bytes.pass(csize)
          : inflating.inflated(bytes.pass(csize))
        : method === 8
          ? inflating.inflated(bytes.pass(Number.MAX_SAFE_INTEGER), (read, unused) => {
              // Inflate found the entry's end inside the last piece: what follows goes back to be parsed.
              bytes.unread(unused);
              measured = read;
            })
          : bytes.untilDescriptor((n, dataCrc) => {
              measured = n;
              crc = dataCrc;
            }, computeCrc);
      let result: R;
      try {
        result = await consume({ offset, name }, counted(data));
      } catch (error) {
        if (error instanceof Stop) throw error;
        throw new Stop('consumer-failed', (error as Error).message);
      }
      if (deferred) {
        if (measured === null) throw new Stop('truncated', 'no data descriptor confirms the stored data');
        csize = measured;
        if (method === 8) crc = await readDeflatedDescriptor(bytes, { size, crc: computeCrc ? crc >>> 0 : null, csize });
        declaredTotal += size;
      } else {
        // Inflate may finish before its input does (bytes after the deflate stream's end): skip to the entry's end.
        const unread = dataStart + csize - bytes.position;
        if (unread > 0) for await (const _ of bytes.pass(unread)) void _;
        if (bytes.position !== dataStart + csize) throw new Stop('truncated');
      }
      const entry: StreamedEntry = { offset, method, compressedSize: csize, size, crc32: crc >>> 0, head: Buffer.concat(head).toString('base64') };
      entries.push({ entry, result });
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    await bytes.drain();
    return { complete: false, stop: error.why, detail: error.message, entries };
  } finally {
    inflating.close();
  }
  await bytes.drain();
  return { complete: true, entries };
}
