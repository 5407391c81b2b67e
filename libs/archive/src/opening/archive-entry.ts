/** One entry of the central directory, after the safety checks. */
export interface ArchiveEntry {
  /** `/`-separated path inside the archive; a directory's has no trailing `/`. */
  path: string;
  isDirectory: boolean;
  uncompressedSize: number;
  compressedSize: number;
  /** CRC-32 of the uncompressed bytes, as the central directory declares it. */
  crc32: number;
  compression: 'store' | 'deflate';
  modifiedAt: Date;
  /** Where the entry's local header starts in the zip (how a streamed reading of the zip is matched to it). */
  localHeaderOffset: number;
}
