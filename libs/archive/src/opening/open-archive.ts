import { PassThrough, type Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import * as yauzl from 'yauzl';
import { fileRangeReadable, type ArchiveSource, type RangeReadable } from '../archive-source/archive-source';
import { RangeReaderAdapter } from '../archive-source/range-reader.adapter';
import { checkCompressionRatio, checkEntryCount, checkWholeArchive, type ArchiveLimits } from '../entry-checks/archive-limits';
import { checkNoOverlap } from '../entry-checks/entry-overlap';
import { toSafeEntry } from '../entry-checks/entry-safety';
import { checkLocalHeader, MIN_DATA_DESCRIPTOR_BYTES } from '../entry-checks/local-header-check';
import { EntryVerifier } from '../entry-checks/entry-verifier';
import { DEFAULT_PACKAGE_POLICY } from '../layout-policy/package-policy';
import { ArchiveSourceFailed, ArchiveUnreadable } from '../rejection/archive-rejection.error';
import type { ArchiveEntry } from './archive-entry';
import { describeOpenFailure, describeReadFailure } from './open-failure';

/** An archive whose central directory has been read and checked; entries are read one stream at a time. */
export interface OpenedArchive {
  /** Size of the zip in bytes. */
  readonly size: number;
  /** In central directory order, folders included. */
  readonly entries: readonly ArchiveEntry[];
  /**
   * The entry's bytes, inflated; the stream errors with `ArchiveUnreadable` when they do not match the declared
   * size and CRC-32 (which is only known at the end: a consumer must not trust the bytes before the stream ends).
   */
  openEntry(entry: ArchiveEntry): Promise<Readable>;
  /**
   * The checks `openEntry` makes before reading the data (the local header agrees with the central record, and its
   * data lies where nothing else does), without reading the data: for an entry whose data was checked as it streamed.
   */
  checkEntry(entry: ArchiveEntry): Promise<void>;
  /** Releases the source (file handle); idempotent. */
  close(): Promise<void>;
}

/** Inflate output in 256 KiB chunks: fewer, larger writes downstream (hashing, blob store). */
const INFLATE_CHUNK_BYTES = 256 * 1024;

const YAUZL_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  // Closed by us, once, whatever happens (a reader closed by yauzl mid-iteration cannot serve later streams).
  autoClose: false,
  // Names are decoded and judged by `toSafeEntry`, so that an unsafe name gets a clear reason, not yauzl's message.
  decodeStrings: false,
  // Sizes are enforced by `EntryVerifier`, byte by byte, with the entry's name in the reason.
  validateEntrySizes: false,
  strictFileNames: true,
};

async function resolveSource(source: ArchiveSource): Promise<RangeReadable> {
  if (typeof source !== 'string') return source;
  try {
    return await fileRangeReadable(source);
  } catch (error) {
    throw new ArchiveSourceFailed(`cannot open archive file ${source}: ${(error as Error).message}`, { cause: error });
  }
}

function readCentralDirectory(zip: yauzl.ZipFile, limits: ArchiveLimits): Promise<{ safe: ArchiveEntry; raw: yauzl.Entry }[]> {
  return new Promise((resolve, reject) => {
    const entries: { safe: ArchiveEntry; raw: yauzl.Entry }[] = [];
    const stop = (error: unknown) => {
      zip.removeAllListeners('entry').removeAllListeners('end');
      reject(error);
    };
    zip.on('entry', (raw: yauzl.Entry) => {
      try {
        const safe = toSafeEntry(raw);
        checkCompressionRatio(safe, limits);
        entries.push({ safe, raw });
        zip.readEntry();
      } catch (error) {
        stop(error);
      }
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (error) => stop(describeReadFailure(error)));
    zip.readEntry();
  });
}

/**
 * Opens a zip (a local path or a range-readable source), reads its whole central directory and refuses it with
 * `ArchiveUnreadable` when it is not a zip, truncated, corrupt, encrypted, unsafe or over the limits. Memory is
 * bounded by the entry count (capped by `limits.maxEntries`) plus a few read buffers, never by the archive size.
 * Failures to read the bytes themselves throw `ArchiveSourceFailed`.
 */
export async function openArchive(source: ArchiveSource, limits: ArchiveLimits = DEFAULT_PACKAGE_POLICY): Promise<OpenedArchive> {
  const readable = await resolveSource(source);
  const reader = new RangeReaderAdapter(readable);
  let zip: yauzl.ZipFile | undefined;
  try {
    if (readable.size === 0) throw new ArchiveUnreadable('the file is empty, not a zip archive');
    zip = await yauzl.fromRandomAccessReaderPromise(reader, readable.size, YAUZL_OPTIONS).catch(async (error: unknown) => {
      throw await describeOpenFailure(error, readable);
    });
    checkEntryCount(zip.entryCount, limits, readable.size);
    // yauzl's cursor starts at the central directory; it is the only place yauzl exposes that offset.
    const centralDirectoryOffset = (zip as unknown as { readEntryCursor: number }).readEntryCursor;
    const entries = await readCentralDirectory(zip, limits);
    checkWholeArchive(entries, limits);
    const dataLimits = checkNoOverlap(entries, centralDirectoryOffset);
    return new YauzlArchive(zip, reader, readable.size, entries, dataLimits);
  } catch (error) {
    zip?.close();
    await reader.closeSource();
    throw error;
  }
}

class YauzlArchive implements OpenedArchive {
  readonly entries: readonly ArchiveEntry[];
  private readonly raw = new WeakMap<ArchiveEntry, yauzl.Entry>();
  private closed = false;

  constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly reader: RangeReaderAdapter,
    readonly size: number,
    entries: { safe: ArchiveEntry; raw: yauzl.Entry }[],
    /** Where each entry's local data must end: the next local header, or the central directory. */
    private readonly dataLimits: Map<yauzl.Entry, number>,
  ) {
    this.entries = entries.map((e) => e.safe);
    for (const e of entries) this.raw.set(e.safe, e.raw);
  }

  async openEntry(entry: ArchiveEntry): Promise<Readable> {
    const { raw, local } = await this.checkedLocalHeader(entry);
    const data = await new Promise<Readable>((resolve, reject) =>
      this.zip.openReadStreamLowLevel(local.fileDataStart, raw.compressedSize, 0, raw.compressedSize, false, raw.uncompressedSize, (error, stream) =>
        error ? reject(describeReadFailure(error, entry.path)) : resolve(stream),
      ),
    );
    return verifiedEntryStream(entry, data);
  }

  async checkEntry(entry: ArchiveEntry): Promise<void> {
    await this.checkedLocalHeader(entry);
  }

  private async checkedLocalHeader(entry: ArchiveEntry): Promise<{ raw: yauzl.Entry; local: yauzl.LocalFileHeader }> {
    const raw = this.raw.get(entry);
    if (!raw) throw new Error(`entry ${entry.path} does not belong to this archive`);
    if (this.closed) throw new Error('archive is closed');
    const local = await this.zip.readLocalFileHeaderPromise(raw).catch((error: unknown) => {
      throw describeReadFailure(error, entry.path);
    });
    checkLocalHeader(entry.path, raw, local);
    this.checkLocalExtent(entry, raw, local);
    return { raw, local };
  }

  /** The overlap check at opening assumed the smallest local header; its real extra field may push the data further. */
  private checkLocalExtent(entry: ArchiveEntry, raw: yauzl.Entry, local: yauzl.LocalFileHeader): void {
    const limit = this.dataLimits.get(raw) ?? this.size;
    const descriptor = local.generalPurposeBitFlag & 0x0008 ? MIN_DATA_DESCRIPTOR_BYTES : 0;
    if (local.fileDataStart + raw.compressedSize + descriptor > limit) {
      throw new ArchiveUnreadable(
        `entry ${entry.path}: its data, as its local header places it, overlaps the next entry or the central directory`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.zip.close();
    await this.reader.closeSource();
  }
}

/** raw data -> inflate (when deflated) -> verifier; any failure ends the returned stream with a clear error. */
function verifiedEntryStream(entry: ArchiveEntry, data: Readable): Readable {
  const inflate = entry.compression === 'deflate' ? createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }) : new PassThrough();
  const verifier = new EntryVerifier(entry);
  const fail = (error: Error) => {
    data.unpipe(inflate);
    inflate.unpipe(verifier);
    data.destroy();
    inflate.destroy();
    verifier.destroy(error);
  };
  data.on('error', (error) => fail(describeReadFailure(error, entry.path)));
  inflate.on('error', (error) =>
    fail(new ArchiveUnreadable(`entry ${entry.path}: compressed data is corrupt (${error.message})`, { cause: error })),
  );
  // A consumer that gives up early (destroys the stream) must not leave the source stream reading.
  verifier.on('close', () => {
    if (!data.destroyed) data.destroy();
    if (!inflate.destroyed) inflate.destroy();
  });
  data.pipe(inflate).pipe(verifier);
  return verifier;
}
