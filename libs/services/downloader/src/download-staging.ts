import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AlignedFileWriter, RecentSlabs } from '@hangar/blob-store';
import type { ResumeValidators } from '@hangar/egress';

/** Bytes per write of the part file: one slab written while the next fills. */
const SLAB_BYTES = 1024 * 1024;
/**
 * Slabs the part file is written through (`RecentSlabs`): the newest 8 MiB stay in them after they are written, for
 * a reader that follows the file (the ingest thread) to copy instead of reading them back from the disk.
 * Still one write at a time: more under way were no faster (2026-12-05). At 1 GiB, three pairs: with 8 slabs
 * 88-97 % of the zip came from them and peak RSS was 215-219 MiB; with 16, 97-99.9 % and 221-226 MiB, no faster.
 */
const RECENT_SLABS = 8;
/**
 * Bytes that arrived are in the part file within this time, however slowly they come: a crashed downloader resumes
 * from what it had, not from the last full slab.
 */
const FLUSH_AFTER_MS = 100;

/**
 * The part file as a stream's destination. `pipeline` hands it each piece as it came off the socket (reading the
 * stream with `for await` would first join whatever is buffered into a fresh buffer, a copy of every byte); each is
 * copied into an aligned slab, and full slabs are written with direct I/O (`AlignedFileWriter`): a GiB costs a
 * thousand writes and no page-cache copy. A slow download's bytes are written every `FLUSH_AFTER_MS`, slab full or
 * not. Writes stay in order (a crash leaves a file without holes: its size is where a resume starts). A piece is
 * taken once it is in a slab, so at most one slab waits for the disk (one write under way).
 */
class PartFileWriter extends Writable {
  constructor(private readonly file: AlignedFileWriter) {
    super({ highWaterMark: SLAB_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.file.append(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.file.close().then(() => callback(), callback);
  }
}

/** What is kept beside a staging file: the URL and the validators its bytes came with. */
interface StagedDownloadRecord {
  fileUrl: string;
  validators: ResumeValidators;
}

/** Bytes of a build kept from an earlier run of the downloader, and what a resumed request must check them against. */
export interface StagedDownload {
  bytes: number;
  validators: ResumeValidators;
  /** The kept bytes, read once to carry the SHA-256 on. */
  prefix(): Readable;
}

/**
 * The downloader's own disk (`$HANGAR_DATA_DIR/downloads`): a build's zip is written to `<uploadId>.part` as it
 * arrives, with `<uploadId>.json` holding the validators (ETag / Last-Modified), and only then put into the blob
 * store. A downloader killed midway finds both on redelivery and asks the server for the rest, instead of starting
 * again at byte 0 (a blob store `put` cannot be continued: S3 multipart uploads expire, and an aborted put leaves
 * nothing by contract).
 */
export class DownloadStaging {
  /** Kept for the next download (fresh memory costs a trip to the host on its first touch, see `SlabPool`). */
  private readonly recentSlabs: RecentSlabs[] = [];

  constructor(private readonly dir: string) {}

  partPath(uploadId: string): string {
    return join(this.dir, `${uploadId}.part`);
  }

  private recordPath(uploadId: string): string {
    return join(this.dir, `${uploadId}.json`);
  }

  /** What a previous run left for this build and URL, if it can be continued; otherwise clears it and returns null. */
  async resumable(uploadId: string, fileUrl: string): Promise<StagedDownload | null> {
    await mkdir(this.dir, { recursive: true });
    const record = await readFile(this.recordPath(uploadId), 'utf8')
      .then((text) => JSON.parse(text) as StagedDownloadRecord)
      .catch(() => null);
    const bytes = await stat(this.partPath(uploadId)).then((s) => s.size, () => 0);
    const checkable = record && record.fileUrl === fileUrl && (record.validators.etag || record.validators.lastModified);
    if (!checkable || bytes === 0) {
      // Without a validator the server could hand back the tail of another file: start over.
      await this.discard(uploadId);
      return null;
    }
    const part = this.partPath(uploadId);
    return { bytes, validators: record.validators, prefix: () => createReadStream(part, { end: bytes - 1, highWaterMark: 1024 * 1024 }) };
  }

  /** Written before the bytes of a response that starts at 0, so that the part file never outlives its validators. */
  async remember(uploadId: string, fileUrl: string, validators: ResumeValidators): Promise<void> {
    const record: StagedDownloadRecord = { fileUrl, validators };
    await writeFile(this.recordPath(uploadId), JSON.stringify(record));
  }

  /**
   * Slabs for one write of a part file that a reader on another thread follows (`write`'s `recent`), holding nothing;
   * given back with `giveRecentSlabs` once neither uses them.
   */
  takeRecentSlabs(): RecentSlabs {
    return this.recentSlabs.pop() ?? RecentSlabs.create(RECENT_SLABS, SLAB_BYTES);
  }

  giveRecentSlabs(recent: RecentSlabs): void {
    recent.forget();
    this.recentSlabs.push(recent);
  }

  /**
   * Writes a stream into the part file from `offset` (0 truncates: the download started over), telling `onWritten`
   * how far the file is complete after each write (bytes below that offset are final: a reader of the file, the
   * ingest thread, may take them). Resolves with the file's length once every byte is written. The file is written
   * through `recent` (`takeRecentSlabs`), which keep the newest bytes for that reader; without, through slabs of its
   * own, given back at the end.
   */
  async write(uploadId: string, stream: Readable, offset: number, onWritten: (bytes: number) => void = () => undefined, recent?: RecentSlabs): Promise<number> {
    // The download can fail while the file opens: the stream keeps the error for the pipeline below instead of
    // raising an unhandled 'error' event.
    stream.on('error', () => undefined);
    const slabs = recent ?? this.takeRecentSlabs();
    try {
      const file = await AlignedFileWriter.create(this.partPath(uploadId), slabs.slabs, { startAt: offset, onWritten, flushAfterMs: FLUSH_AFTER_MS, writesInFlight: 1, recent: slabs });
      try {
        await pipeline(stream, new PartFileWriter(file));
        return file.length;
      } catch (error) {
        await file.abort();
        throw error;
      }
    } finally {
      if (!recent) this.giveRecentSlabs(slabs);
    }
  }

  async discard(uploadId: string): Promise<void> {
    await rm(this.partPath(uploadId), { force: true });
    await rm(this.recordPath(uploadId), { force: true });
  }
}
