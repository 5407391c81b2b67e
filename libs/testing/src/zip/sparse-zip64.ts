import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/**
 * A zip64 archive larger than 4 GiB that is never written anywhere: its headers are real bytes, its big entries are
 * runs of zeros produced on demand. It is served as a random-access source (the shape of the archive library's
 * `RangeReadable`), so a test can open and verify an archive with entries and local-header offsets past 4 GiB in
 * a few seconds and without the disk space.
 */
export type SparseZipEntry = { path: string; content: Buffer } | { path: string; zeroBytes: number };

export interface SparseZip64 {
  size: number;
  read(start: number, endExclusive: number): Promise<Readable>;
  /** Where each entry's local header starts. */
  localHeaderOffsets: ReadonlyMap<string, number>;
}

/** A run of real bytes, or of `length` zeros. */
type Segment = { start: number; length: number; bytes: Buffer | null };

const CHUNK_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);
const VERSION_ZIP64 = 45;
const FLAG_UTF8 = 0x0800;
// 2024-01-02 03:04:06 in MS-DOS format.
const DOS_TIME = (3 << 11) | (4 << 5) | 3;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 2;

/** Remembered: a test builds the same multi-GiB run more than once. */
const zeroRunCrcs = new Map<number, number>();

function crcOfZeros(length: number): number {
  const known = zeroRunCrcs.get(length);
  if (known !== undefined) return known;
  let crc = 0;
  for (let left = length; left > 0; left -= CHUNK_BYTES) crc = crc32(ZEROS.subarray(0, Math.min(left, CHUNK_BYTES)), crc);
  zeroRunCrcs.set(length, crc >>> 0);
  return crc >>> 0;
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + values.length * 8);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(values.length * 8, 2);
  values.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + i * 8));
  return extra;
}

/** Every entry is stored (no compression) and every size and offset goes through zip64 fields. */
export function sparseZip64(entries: readonly SparseZipEntry[]): SparseZip64 {
  const segments: Segment[] = [];
  let position = 0;
  const append = (bytes: Buffer | null, length = bytes?.length ?? 0) => {
    segments.push({ start: position, length, bytes });
    position += length;
  };
  const central: Buffer[] = [];
  const localHeaderOffsets = new Map<string, number>();

  for (const entry of entries) {
    const name = Buffer.from(entry.path, 'utf8');
    const size = 'content' in entry ? entry.content.length : entry.zeroBytes;
    const crc = 'content' in entry ? crc32(entry.content) >>> 0 : crcOfZeros(entry.zeroBytes);
    const offset = position;
    localHeaderOffsets.set(entry.path, offset);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_ZIP64, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(name.length, 26);
    const localExtra = zip64Extra([size, size]);
    local.writeUInt16LE(localExtra.length, 28);
    append(Buffer.concat([local, name, localExtra]));
    append('content' in entry ? entry.content : null, size);

    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(VERSION_ZIP64, 4);
    record.writeUInt16LE(VERSION_ZIP64, 6);
    record.writeUInt16LE(FLAG_UTF8, 8);
    record.writeUInt16LE(0, 10);
    record.writeUInt16LE(DOS_TIME, 12);
    record.writeUInt16LE(DOS_DATE, 14);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(0xffffffff, 20);
    record.writeUInt32LE(0xffffffff, 24);
    record.writeUInt16LE(name.length, 28);
    const centralExtra = zip64Extra([size, size, offset]);
    record.writeUInt16LE(centralExtra.length, 30);
    record.writeUInt32LE(0xffffffff, 42);
    central.push(record, name, centralExtra);
  }

  const directory = Buffer.concat(central);
  const directoryOffset = position;
  append(directory);
  const zip64RecordOffset = position;
  const zip64Record = Buffer.alloc(56);
  zip64Record.writeUInt32LE(0x06064b50, 0);
  zip64Record.writeBigUInt64LE(44n, 4);
  zip64Record.writeUInt16LE(VERSION_ZIP64, 12);
  zip64Record.writeUInt16LE(VERSION_ZIP64, 14);
  zip64Record.writeBigUInt64LE(BigInt(entries.length), 24);
  zip64Record.writeBigUInt64LE(BigInt(entries.length), 32);
  zip64Record.writeBigUInt64LE(BigInt(directory.length), 40);
  zip64Record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(zip64RecordOffset), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  append(Buffer.concat([zip64Record, locator, eocd]));

  const size = position;
  return { size, localHeaderOffsets, read: async (start, endExclusive) => segmentStream(segments, start, Math.min(endExclusive, size)) };
}

function segmentStream(segments: readonly Segment[], start: number, end: number): Readable {
  let position = start;
  let index = segments.findIndex((s) => s.start + s.length > start);
  return new Readable({
    read() {
      while (index >= 0 && index < segments.length && segments[index].start + segments[index].length <= position) index++;
      if (position >= end || index < 0 || index >= segments.length) return void this.push(null);
      const segment = segments[index];
      const from = position - segment.start;
      const length = Math.min(CHUNK_BYTES, segment.length - from, end - position);
      position += length;
      this.push(segment.bytes ? segment.bytes.subarray(from, from + length) : ZEROS.subarray(0, length));
    },
  });
}
