import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from '../checksum/crc32';
import { ArchiveUnreadable } from '../rejection/archive-rejection.error';
import type { ArchiveEntry } from '../opening/archive-entry';

const hex = (n: number) => n.toString(16).padStart(8, '0');

/**
 * Passes an entry's inflated bytes through while checking them against the central directory: never more bytes
 * than declared (stops a lying entry at once, before it fills a disk), exactly as many at the end, and the same
 * CRC-32. yauzl checks none of this once `validateEntrySizes` is off, and never checks CRCs.
 */
export class EntryVerifier extends Transform {
  private crc = 0;
  private bytes = 0;

  constructor(private readonly entry: ArchiveEntry) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.entry.uncompressedSize) {
      return callback(this.failure(`inflates to more than the declared ${this.entry.uncompressedSize} bytes`));
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.entry.uncompressedSize) {
      return callback(this.failure(`inflates to ${this.bytes} bytes, not the declared ${this.entry.uncompressedSize}`));
    }
    if (this.crc >>> 0 !== this.entry.crc32 >>> 0) {
      return callback(this.failure(`CRC mismatch (expected ${hex(this.entry.crc32)}, got ${hex(this.crc >>> 0)})`));
    }
    callback();
  }

  private failure(why: string): ArchiveUnreadable {
    return new ArchiveUnreadable(`entry ${this.entry.path}: ${why}`);
  }
}
