export type { ArchiveSource, RangeReadable } from './archive-source/archive-source';
export { fileRangeReadable } from './archive-source/archive-source';
export { bufferRangeReadable } from './archive-source/buffer-range-readable';
export type { ArchiveEntry } from './opening/archive-entry';
export { openArchive, type OpenedArchive } from './opening/open-archive';
export type { ArchiveLimits } from './entry-checks/archive-limits';
export { DEFAULT_PACKAGE_POLICY, packagePolicy, type PackagePolicy } from './layout-policy/package-policy';
export { analysePackageLayout, type PackageLayout } from './layout-policy/package-layout';
export { inspectArchive, type ArchiveInspection, type InspectOptions } from './inspection/inspect-archive';
export { extractEntries, type EntryConsumer, type ExtractOptions, type ExtractionSummary } from './extraction/extract-entries';
export {
  ArchiveRejection,
  ArchiveSourceFailed,
  ArchiveUnreadable,
  MissingExecutable,
  UnsupportedFiles,
  isArchiveRejection,
} from './rejection/archive-rejection.error';
export { STREAM_HELD_BYTES, streamEntries, type StreamOptions, type StreamedEntryConsumer } from './streaming/streamed-entries';
export type { StreamStop, StreamedZip } from './streaming/streamed-entry';
export { confirmedByStream } from './streaming/stream-confirmation';
export { CRC32_IMPLEMENTATION, crc32, crc32Source, type Crc32 } from './checksum/crc32';
