import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ResumeValidators } from '@hangar/egress';

/** Bytes waiting for the part file before the download is paused. */
const QUEUED_BYTES = 2 * 1024 * 1024;

async function writevFully(handle: FileHandle, pieces: Buffer[], position: number): Promise<void> {
  let pending = pieces;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, position);
    position += bytesWritten;
    // A short write (rare: signals, quotas) goes on from where it stopped.
    let skip = bytesWritten;
    while (pending.length > 0 && skip >= pending[0].length) skip -= pending.shift()!.length;
    if (skip > 0) pending = [pending[0].subarray(skip), ...pending.slice(1)];
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
   * Writes a stream into the part file from `offset` (0 truncates: the download started over), telling `onWritten`
   * how far the file is complete after each write (bytes below that offset are final: a reader of the file, the
   * ingest thread, may take them). Resolves with the file's length once every byte is written.
   */
  async write(uploadId: string, stream: Readable, offset: number, onWritten: (bytes: number) => void = () => undefined): Promise<number> {
    // The download can fail while the file opens: the stream keeps the error for the listeners below instead of
    // raising an unhandled 'error' event.
    stream.on('error', () => undefined);
    const handle = await open(this.partPath(uploadId), offset > 0 ? 'r+' : 'w');
    // Pieces are taken as 'data' events, each as it came off the socket (reading the stream with `for await` would
    // join whatever is buffered into a fresh buffer first, a copy of every byte for nothing), and written in order,
    // one `writev` at a time of all that arrived meanwhile (a crash then leaves a file without holes: its size is
    // where a resume starts). One write per 64 KiB piece would wait out the thread pool's latency 16,000 times a GiB.
    let queued: Buffer[] = [];
    let queuedBytes = 0;
    let position = offset;
    let writing: Promise<void> | null = null;
    try {
      await new Promise<void>((resolve, reject) => {
        let ended = false;
        const fail = (error: unknown) => {
          stream.destroy();
          reject(error);
        };
        const drain = async () => {
          while (queued.length > 0) {
            const pieces = queued;
            const bytes = queuedBytes;
            queued = [];
            queuedBytes = 0;
            if (stream.isPaused() && !ended) stream.resume();
            await writevFully(handle, pieces, position);
            position += bytes;
            onWritten(position);
          }
        };
        const kick = () => {
          writing ??= drain()
            .then(() => {
              writing = null;
              if (ended) resolve();
            })
            .catch(fail);
        };
        stream.on('data', (piece: Buffer) => {
          queued.push(piece);
          queuedBytes += piece.length;
          if (queuedBytes >= QUEUED_BYTES) stream.pause();
          kick();
        });
        const closedEarly = () => reject(stream.errored ?? new Error('the download stream closed before its end'));
        // It may have failed while the file was opening, before these listeners: its events are gone then.
        if (stream.errored || stream.destroyed) return closedEarly();
        stream.once('end', () => {
          ended = true;
          if (!writing) resolve();
        });
        stream.once('error', reject);
        stream.once('close', () => {
          if (!stream.readableEnded) closedEarly();
        });
      });
      return position;
    } finally {
      await (writing as Promise<void> | null)?.catch(() => undefined);
      await handle.close();
    }
  }

  async discard(uploadId: string): Promise<void> {
    await rm(this.partPath(uploadId), { force: true });
    await rm(this.recordPath(uploadId), { force: true });
  }
}
