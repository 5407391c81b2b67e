/**
 * Where a zip's records are, read from a buffer, and edits that rebuild its central directory: to make archives
 * that no writer produces (duplicated or missing central records, lying sizes and offsets) for the scanner's tests
 * and its fuzz test. Only single-disk archives without a comment, as yazl writes them.
 */

export interface CentralRecord {
  /** Where the record starts in the zip, and its full length (46 bytes plus name, extra field and comment). */
  offset: number;
  length: number;
  name: string;
  localHeaderOffset: number;
}

export interface ZipLayout {
  centralDirectoryOffset: number;
  records: CentralRecord[];
  /** Offsets of the zip64 end-of-central-directory record and its locator, when present. */
  zip64: { recordOffset: number; locatorOffset: number } | null;
  endOfCentralDirectoryOffset: number;
}

const EOCD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const readUInt64 = (buffer: Buffer, at: number) => buffer.readUInt32LE(at) + buffer.readUInt32LE(at + 4) * 0x100000000;

function localHeaderOffsetOf(zip: Buffer, at: number): number {
  const offset = zip.readUInt32LE(at + 42);
  if (offset !== 0xffffffff) return offset;
  // The zip64 extra field holds, in order, only the fields whose 32-bit value is 0xFFFFFFFF.
  const nameLength = zip.readUInt16LE(at + 28);
  const extraEnd = at + 46 + nameLength + zip.readUInt16LE(at + 30);
  for (let field = at + 46 + nameLength; field + 4 <= extraEnd; field += 4 + zip.readUInt16LE(field + 2)) {
    if (zip.readUInt16LE(field) !== 0x0001) continue;
    let index = field + 4;
    if (zip.readUInt32LE(at + 24) === 0xffffffff) index += 8;
    if (zip.readUInt32LE(at + 20) === 0xffffffff) index += 8;
    return readUInt64(zip, index);
  }
  throw new Error('zip64 offset without a zip64 extra field');
}

export function readZipLayout(zip: Buffer): ZipLayout {
  const eocd = zip.length - EOCD_BYTES;
  if (eocd < 0 || zip.readUInt32LE(eocd) !== 0x06054b50) throw new Error('no end-of-central-directory record at the end');
  const locator = eocd - ZIP64_LOCATOR_BYTES;
  const zip64 = locator >= 0 && zip.readUInt32LE(locator) === 0x07064b50 ? { recordOffset: readUInt64(zip, locator + 8), locatorOffset: locator } : null;
  const count = zip64 ? readUInt64(zip, zip64.recordOffset + 32) : zip.readUInt16LE(eocd + 10);
  const centralDirectoryOffset = zip64 ? readUInt64(zip, zip64.recordOffset + 48) : zip.readUInt32LE(eocd + 16);
  const records: CentralRecord[] = [];
  let at = centralDirectoryOffset;
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const length = 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    records.push({
      offset: at,
      length,
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      localHeaderOffset: localHeaderOffsetOf(zip, at),
    });
    at += length;
  }
  return { centralDirectoryOffset, records, zip64, endOfCentralDirectoryOffset: eocd };
}

export function centralRecord(layout: ZipLayout, name: string): CentralRecord {
  const record = layout.records.find((r) => r.name === name);
  if (!record) throw new Error(`no central record for ${name}`);
  return record;
}

/**
 * The same zip with its central directory replaced by `records` (raw record bytes, e.g. some of the old ones
 * duplicated, dropped or edited) and its end records updated to match. Entry data stays where it was.
 */
export function withCentralRecords(zip: Buffer, records: readonly Buffer[]): Buffer {
  const layout = readZipLayout(zip);
  const directory = Buffer.concat(records);
  const eocd = Buffer.from(zip.subarray(layout.endOfCentralDirectoryOffset));
  const parts = [zip.subarray(0, layout.centralDirectoryOffset), directory];
  if (layout.zip64) {
    const record = Buffer.from(zip.subarray(layout.zip64.recordOffset, layout.zip64.locatorOffset));
    record.writeBigUInt64LE(BigInt(records.length), 24);
    record.writeBigUInt64LE(BigInt(records.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    const locator = Buffer.from(zip.subarray(layout.zip64.locatorOffset, layout.endOfCentralDirectoryOffset));
    locator.writeBigUInt64LE(BigInt(layout.centralDirectoryOffset + directory.length), 8);
    parts.push(record, locator);
  } else {
    eocd.writeUInt16LE(Math.min(records.length, 0xffff), 8);
    eocd.writeUInt16LE(Math.min(records.length, 0xffff), 10);
    eocd.writeUInt32LE(directory.length, 12);
  }
  parts.push(eocd);
  return Buffer.concat(parts);
}

/** The raw bytes of each central record, in order, for `withCentralRecords`. */
export function centralRecordBytes(zip: Buffer, layout: ZipLayout = readZipLayout(zip)): Buffer[] {
  return layout.records.map((r) => Buffer.from(zip.subarray(r.offset, r.offset + r.length)));
}

/** Header fields `withEntryHeaders` can rewrite (32-bit ones only: zip64 sizes are not patched here). */
export interface EntryHeaderFields {
  compressionMethod?: number;
  crc32?: number;
  uncompressedSize?: number;
}

/**
 * A copy of the zip where an entry written with its sizes in the local header (i.e. from a buffer) declares other
 * values in both its headers, so that the headers agree with each other and only the data can tell the lie.
 */
export function withEntryHeaders(zip: Buffer, name: string, fields: EntryHeaderFields): Buffer {
  const copy = Buffer.from(zip);
  const record = centralRecord(readZipLayout(copy), name);
  const local = record.localHeaderOffset;
  if (copy.readUInt16LE(local + 6) & 0x0008) throw new Error(`${name}: its sizes are in a data descriptor`);
  if (fields.compressionMethod !== undefined) {
    copy.writeUInt16LE(fields.compressionMethod, record.offset + 10);
    copy.writeUInt16LE(fields.compressionMethod, local + 8);
  }
  if (fields.crc32 !== undefined) {
    copy.writeUInt32LE(fields.crc32, record.offset + 16);
    copy.writeUInt32LE(fields.crc32, local + 14);
  }
  if (fields.uncompressedSize !== undefined) {
    if (copy.readUInt32LE(record.offset + 24) === 0xffffffff) throw new Error(`${name}: zip64 sizes are not patched here`);
    copy.writeUInt32LE(fields.uncompressedSize, record.offset + 24);
    copy.writeUInt32LE(fields.uncompressedSize, local + 22);
  }
  return copy;
}
