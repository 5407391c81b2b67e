import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { forEachConcurrently } from '@hangar/blob-store';
import type { ArchiveSource } from '../archive-source/archive-source';
import { DEFAULT_PACKAGE_POLICY, type PackagePolicy } from '../layout-policy/package-policy';
import type { ArchiveEntry } from '../opening/archive-entry';
import { openArchive, type OpenedArchive } from '../opening/open-archive';
import { ArchiveRejection } from '../rejection/archive-rejection.error';

/**
 * Receives one file's inflated bytes. It must read the stream to its end (e.g. `blobStore.put(key, stream)`) or
 * throw; a stream that errors carries an `ArchiveUnreadable` (CRC or size mismatch, corrupt data), and the
 * consumer must then discard what it wrote: the check is only complete at the end of the stream.
 */
export type EntryConsumer = (entry: ArchiveEntry, stream: Readable) => Promise<void>;

export interface ExtractOptions {
  /** Limits applied while opening (entries, sizes, ratio); default `DEFAULT_PACKAGE_POLICY`. */
  policy?: PackagePolicy;
  /** Files handed to the consumer at once; default 1 (in archive order). */
  concurrency?: number;
}

export interface ExtractionSummary {
  fileCount: number;
  totalSize: number;
}

async function extractOne(archive: OpenedArchive, entry: ArchiveEntry, consume: EntryConsumer, signal: AbortSignal) {
  const stream = await archive.openEntry(entry);
  const ended = finished(stream);
  ended.catch(() => undefined); // observed below; must not count as unhandled meanwhile
  const stop = () => stream.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await consume(entry, stream);
  } catch (consumerError) {
    stream.destroy();
    // When the archive's bytes were at fault, say so: that is a rejection of the build, not a storage failure.
    const streamError = await ended.then(() => undefined, (error: unknown) => error);
    throw streamError instanceof ArchiveRejection ? streamError : consumerError;
  } finally {
    signal.removeEventListener('abort', stop);
  }
  // A consumer that stopped reading early still gets the entry checked to its end.
  if (!stream.readableEnded) stream.resume();
  await ended;
}

/**
 * Hands every file entry (folders are skipped) to `consume` with its inflated, size- and CRC-checked stream. Never
 * writes to the filesystem: where bytes go is the consumer's business. Throws `ArchiveUnreadable` (and the other
 * `ArchiveRejection`s of opening) for a bad archive, `ArchiveSourceFailed` for I/O failures, or the consumer's error.
 */
export async function extractEntries(
  source: ArchiveSource,
  consume: EntryConsumer,
  options: ExtractOptions = {},
): Promise<ExtractionSummary> {
  const archive = await openArchive(source, options.policy ?? DEFAULT_PACKAGE_POLICY);
  try {
    const files = archive.entries.filter((e) => !e.isDirectory);
    await forEachConcurrently(files, options.concurrency ?? 1, (entry, _index, signal) => extractOne(archive, entry, consume, signal));
    return { fileCount: files.length, totalSize: files.reduce((sum, e) => sum + e.uncompressedSize, 0) };
  } finally {
    await archive.close();
  }
}
