import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ResumeValidators } from '@hangar/egress';

/** Pieces queued for writing to the part file before the reader waits (pieces are about 64 KiB). */
const WRITES_QUEUED = 16;

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
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
    // The download can fail while the file opens: the stream keeps the error for the loop below instead of raising
    // an unhandled 'error' event.
    stream.on('error', () => undefined);
    const handle = await open(this.partPath(uploadId), offset > 0 ? 'r+' : 'w');
    // One write after another (a crash then leaves a file without holes: its size is where a resume starts), but
    // queued rather than awaited, so that the next piece is read while the previous ones are being written.
    const writes: Promise<void>[] = [];
    let last: Promise<void> = Promise.resolve();
    let position = offset;
    try {
      for await (const piece of stream) {
        const at = position;
        const end = (position += (piece as Buffer).length);
        last = last.then(async () => {
          await writeFully(handle, piece as Buffer, at);
          onWritten(end);
        });
        writes.push(last);
        if (writes.length >= WRITES_QUEUED) await writes.shift();
      }
      await last;
      return position;
    } finally {
      last.catch(() => undefined);
      await last.catch(() => undefined);
      await handle.close();
    }
  }

  async discard(uploadId: string): Promise<void> {
    await rm(this.partPath(uploadId), { force: true });
    await rm(this.recordPath(uploadId), { force: true });
  }
}
