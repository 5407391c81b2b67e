import type { StreamedEntry } from '@hangar/contracts';
import type { ArchiveEntry } from '../opening/archive-entry';

/**
 * The stream read exactly the bytes the central record points at (same local header, method and compressed size)
 * and they inflated to what the record declares (size and CRC-32): the one test by which the scan and the
 * repository take a streamed entry in place of reading it again.
 */
export function confirmedByStream<T extends StreamedEntry>(entry: ArchiveEntry, streamed: T | undefined): streamed is T {
  return (
    streamed !== undefined &&
    streamed.offset === entry.localHeaderOffset &&
    streamed.method === (entry.compression === 'deflate' ? 8 : 0) &&
    streamed.compressedSize === entry.compressedSize &&
    streamed.size === entry.uncompressedSize &&
    streamed.crc32 >>> 0 === entry.crc32 >>> 0
  );
}
