import type * as yauzl from 'yauzl';
import { ArchiveUnreadable } from '../rejection/archive-rejection.error';
import type { ArchiveEntry } from '../opening/archive-entry';

/** A local header is 30 bytes plus the name; its extra field and a data descriptor only add to it. */
const LOCAL_HEADER_FIXED_BYTES = 30;

/**
 * Overlapping entries are how a small zip inflates to petabytes without nesting (several central records sharing
 * one highly compressed kernel), and how one stored byte range is scanned as one file and unpacked as another.
 * From the central directory alone, each entry occupies at least its local header's fixed part, its name and its
 * compressed data, and must end before the next entry's local header and before the central directory.
 *
 * Returns, for each entry, where its local data must end (the next local header, or the central directory): the
 * true extent is only known once the local header is read (its extra field), and `openEntry` checks it then.
 */
export function checkNoOverlap(
  entries: readonly { safe: ArchiveEntry; raw: yauzl.Entry }[],
  centralDirectoryOffset: number,
): Map<yauzl.Entry, number> {
  const limits = new Map<yauzl.Entry, number>();
  // Empty folders have no data to share; they are never read.
  const withData = entries
    .filter((e) => e.raw.compressedSize > 0 || !e.safe.isDirectory)
    .sort((a, b) => a.raw.relativeOffsetOfLocalHeader - b.raw.relativeOffsetOfLocalHeader);
  for (let i = 0; i < withData.length; i++) {
    const { raw, safe } = withData[i];
    const next = withData[i + 1];
    const limit = next ? next.raw.relativeOffsetOfLocalHeader : centralDirectoryOffset;
    const minimumEnd = raw.relativeOffsetOfLocalHeader + LOCAL_HEADER_FIXED_BYTES + raw.fileNameLength + raw.compressedSize;
    if (minimumEnd > limit) {
      throw new ArchiveUnreadable(
        next
          ? `entry ${next.safe.path}: its data overlaps entry ${safe.path}`
          : `entry ${safe.path}: its data runs into the central directory`,
      );
    }
    limits.set(raw, limit);
  }
  return limits;
}
