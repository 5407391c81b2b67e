import * as yauzl from 'yauzl';
import { ArchiveUnreadable } from '../rejection/archive-rejection.error';

/**
 * yauzl trusts the central directory and reads only the local header's signature and its name and extra-field
 * lengths (to find the data). Extractors that stream a zip (unzip's fallback, unzipper, a worker's own parser) read
 * the local headers instead, so an archive whose two copies disagree is scanned as one build and unpacked as
 * another: every field both copies carry must agree.
 */

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const FLAG_MASKED_HEADER = 0x2000;
/** Flags that change how the data or the name is read; bit 3 and the deflate level bits may differ harmlessly. */
const FLAGS_THAT_MUST_AGREE = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADER;
const ZIP64_MARKER = 0xffffffff;
const ZIP64_EXTRA_FIELD = 0x0001;

/** The smallest data descriptor: CRC-32 and two 32-bit sizes, without the optional signature. */
export const MIN_DATA_DESCRIPTOR_BYTES = 12;

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

function mismatch(path: string, what: string): never {
  throw new ArchiveUnreadable(`entry ${path}: local header disagrees with the central directory (${what})`);
}

/** A local header's sizes, with 0xFFFFFFFF resolved through its own zip64 extra field (which holds both sizes). */
function localSizes(path: string, local: yauzl.LocalFileHeader): { uncompressed: number; compressed: number } {
  let uncompressed = local.uncompressedSize;
  let compressed = local.compressedSize;
  if (uncompressed !== ZIP64_MARKER && compressed !== ZIP64_MARKER) return { uncompressed, compressed };
  let fields: { id: number; data: Buffer }[];
  try {
    fields = yauzl.parseExtraFields(local.extraField);
  } catch (error) {
    return mismatch(path, `unreadable extra field: ${(error as Error).message}`);
  }
  const zip64 = fields.find((f) => f.id === ZIP64_EXTRA_FIELD)?.data;
  let index = 0;
  const next = () => {
    if (!zip64 || index + 8 > zip64.length) mismatch(path, 'zip64 sizes missing from the local header');
    const value = zip64.readUInt32LE(index) + zip64.readUInt32LE(index + 4) * 0x100000000;
    index += 8;
    return value;
  };
  if (uncompressed === ZIP64_MARKER) uncompressed = next();
  if (compressed === ZIP64_MARKER) compressed = next();
  return { uncompressed, compressed };
}

/**
 * Throws `ArchiveUnreadable` unless the local header matches the central record: same name bytes, compression
 * method and encryption flags, the same UTF-8 flag when the name is not plain ASCII (it changes how the name
 * decodes), and, unless the entry defers them to a data descriptor (bit 3, where they are zero), the same CRC-32
 * and sizes.
 */
export function checkLocalHeader(path: string, central: yauzl.Entry, local: yauzl.LocalFileHeader): void {
  if (!local.fileName.equals(central.fileNameRaw)) {
    mismatch(path, `local name ${JSON.stringify(local.fileName.toString('latin1'))}`);
  }
  if (local.compressionMethod !== central.compressionMethod) {
    mismatch(path, `compression method ${local.compressionMethod}, not ${central.compressionMethod}`);
  }
  const flags = local.generalPurposeBitFlag ^ central.generalPurposeBitFlag;
  if (flags & FLAGS_THAT_MUST_AGREE) mismatch(path, 'encryption flags differ');
  if (flags & FLAG_UTF8 && central.fileNameRaw.some((byte) => byte >= 0x80)) {
    mismatch(path, 'the UTF-8 name flag differs, so the name reads differently');
  }
  const deferred = (local.generalPurposeBitFlag & FLAG_DATA_DESCRIPTOR) !== 0;
  // With a data descriptor the local fields are zero by the spec; some writers fill them in anyway.
  const agrees = (value: number, expected: number) => value === expected || (deferred && value === 0);
  if (!agrees(local.crc32 >>> 0, central.crc32 >>> 0)) {
    mismatch(path, `CRC-32 ${hex(local.crc32)}, not ${hex(central.crc32)}`);
  }
  const sizes = deferred && local.uncompressedSize === 0 && local.compressedSize === 0
    ? { uncompressed: 0, compressed: 0 }
    : localSizes(path, local);
  if (!agrees(sizes.uncompressed, central.uncompressedSize)) {
    mismatch(path, `uncompressed size ${sizes.uncompressed}, not ${central.uncompressedSize}`);
  }
  if (!agrees(sizes.compressed, central.compressedSize)) {
    mismatch(path, `compressed size ${sizes.compressed}, not ${central.compressedSize}`);
  }
}
