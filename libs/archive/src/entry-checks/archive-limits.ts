import type * as yauzl from 'yauzl';
import { ArchiveUnreadable } from '../rejection/archive-rejection.error';
import type { ArchiveEntry } from '../opening/archive-entry';
import type { PackagePolicy } from '../layout-policy/package-policy';

export type ArchiveLimits = Pick<
  PackagePolicy,
  'maxEntries' | 'maxTotalUncompressedBytes' | 'maxCompressionRatio' | 'compressionRatioMinBytes'
>;

const GiB = 1024 ** 3;
const formatBytes = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${n} bytes`);

/** A central directory record is at least 46 bytes. */
const MIN_CENTRAL_RECORD_BYTES = 46;

/**
 * Before a single record is read: the count comes from the end-of-central-directory record (64 bits in zip64), so
 * a forged one must be refused before it sizes anything.
 */
export function checkEntryCount(count: number, limits: ArchiveLimits, archiveSize: number): void {
  if (count > limits.maxEntries) {
    throw new ArchiveUnreadable(`archive has ${count} entries; at most ${limits.maxEntries} are accepted`);
  }
  if (count * MIN_CENTRAL_RECORD_BYTES > archiveSize) {
    throw new ArchiveUnreadable(
      `corrupt zip archive: it declares ${count} entries, more than a ${archiveSize}-byte file can hold`,
    );
  }
}

export function checkCompressionRatio(entry: ArchiveEntry, limits: ArchiveLimits): void {
  if (entry.uncompressedSize < limits.compressionRatioMinBytes) return;
  const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
  if (ratio > limits.maxCompressionRatio) {
    throw new ArchiveUnreadable(
      `entry ${entry.path}: compression ratio ${Math.round(ratio)}:1 is above the limit of ` +
        `${limits.maxCompressionRatio}:1 (a zip bomb, or padding that has no place in a build)`,
    );
  }
}

/**
 * Checks over the whole central directory:
 * - the declared total stays under the cap (sizes are then enforced byte by byte while inflating);
 * - no two entries share a name, compared case-insensitively as Windows would, and no file is also a folder: both
 *   make "which file wins" depend on the extractor, the classic way to smuggle a file past a scan;
 * Overlapping entries are checked apart (`entry-overlap.ts`).
 */
export function checkWholeArchive(entries: readonly { safe: ArchiveEntry; raw: yauzl.Entry }[], limits: ArchiveLimits): void {
  const total = entries.reduce((sum, e) => sum + e.safe.uncompressedSize, 0);
  if (total > limits.maxTotalUncompressedBytes) {
    throw new ArchiveUnreadable(
      `archive would unpack to ${formatBytes(total)}; the limit is ${formatBytes(limits.maxTotalUncompressedBytes)}`,
    );
  }

  const files = new Map<string, string>();
  const folders = new Set<string>();
  for (const { safe } of entries) {
    const key = safe.path.toLowerCase();
    const segments = key.split('/');
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
    if (safe.isDirectory) {
      folders.add(key);
      continue;
    }
    const previous = files.get(key);
    if (previous !== undefined) {
      throw new ArchiveUnreadable(`entry ${safe.path}: duplicate of ${previous}`);
    }
    files.set(key, safe.path);
  }
  for (const [key, path] of files) {
    if (folders.has(key)) throw new ArchiveUnreadable(`entry ${path}: is both a file and a folder`);
  }
}
