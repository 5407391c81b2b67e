import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Client } from 'minio';
import { assertValidBlobKey, assertValidBlobPrefix, compareBlobKeys } from '../../key/blob-key';
import { BlobSizeMismatch } from '../../port/blob-size-mismatch.error';
import { BlobNotFound, isBufferBody, type BlobBody, type BlobInfo, type BlobStore } from '../../port/blob-store.port';
import { assertValidBlobRange, type BlobRange } from '../../range/blob-range';
import { atMostBytes } from './at-most-bytes';
import { MAX_PARTS, partSizeSchedule, splitIntoParts } from './part-splitter';
import { DEFAULT_PART_SIZE, DEFAULT_REGION, MIN_PART_SIZE, type S3BlobStoreOptions } from './s3-blob-store.options';

/** The minio client's own multipart threshold: every Buffer we hand to `putObject` must stay under it (see `put`). */
const MINIO_DEFAULT_PART_SIZE = 64 * 1024 * 1024;

interface UploadedPart {
  part: number;
  etag: string;
}

/** An upload needed more than S3's 10,000 parts: only possible with a tiny configured part size. */
export class BlobTooLarge extends Error {
  readonly code = 'BLOB_TOO_LARGE';
  constructor(readonly key: string) {
    super(`blob ${key} needs more than ${MAX_PARTS} parts: raise partSize`);
    this.name = 'BlobTooLarge';
  }
}

/**
 * Blobs in an S3 bucket (AWS, MinIO; tested on s3rver), through the `minio` client.
 *
 * Uploads do their own multipart instead of `putObject`'s: the client's version first calls ListMultipartUploads to
 * resume an earlier upload of the same key (s3rver lacks it, and resuming someone else's half-upload is not what a
 * fresh `put` means), never aborts a failed upload, and for a stream of unknown size buffers parts of ~500 MiB. Here a
 * body is cut into parts of `partSize` (16 MiB by default, growing only past 1000 parts): one part or less goes in a
 * single PUT; more goes through CreateMultipartUpload / UploadPart / CompleteMultipartUpload, which both S3 and s3rver
 * implement, with at most two parts in memory (one read while the previous one is sent). A failed upload is aborted
 * (best effort: s3rver does not implement AbortMultipartUpload, and on S3 a lifecycle rule should reap leftovers);
 * either way no object appears, since S3 only publishes a key on a successful PUT or Complete.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  private readonly client: Client;
  private readonly agent: http.Agent;
  private readonly region: string;
  private readonly partSizeFor: (partNumber: number) => number;
  private bucketReady: Promise<void> | undefined;

  constructor(options: S3BlobStoreOptions) {
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes (S3's minimum), got ${partSize}`);
    }
    this.bucket = options.bucket;
    this.region = options.region ?? DEFAULT_REGION;
    this.partSizeFor = partSizeSchedule(partSize);
    // Our own keep-alive agent, destroyed by close(): no socket outlives the store (nor keeps a test run open).
    this.agent = options.useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    // Loaded here, not at import: the minio client weighs some 15 MiB of memory, which a process (or worker thread)
    // on the filesystem store never needs.
    const { Client: MinioClient } = require('minio') as typeof import('minio');
    this.client = new MinioClient({
      endPoint: options.endPoint,
      port: options.port,
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.region,
      pathStyle: options.pathStyle ?? true,
      transportAgent: this.agent,
      partSize: Math.max(partSize, MINIO_DEFAULT_PART_SIZE),
    });
  }

  async put(key: string, body: BlobBody, options: { size?: number; contentType?: string } = {}): Promise<BlobInfo> {
    const parts = splitIntoParts(isBufferBody(body) ? Readable.from(Buffer.isBuffer(body) ? [body] : body) : body, this.partSizeFor);
    try {
      assertValidBlobKey(key);
      await this.ensureBucket();
      const headers: Record<string, string> = options.contentType ? { 'Content-Type': options.contentType } : {};
      const first = (await parts.next()).value as Buffer; // always at least one part, empty for an empty body
      const second = await parts.next();
      if (second.done) {
        if (options.size !== undefined && first.length !== options.size) throw new BlobSizeMismatch(key, options.size, first.length);
        // One part is at most the client's own part size (see the constructor), so `putObject` sends one plain PUT.
        await this.client.putObject(this.bucket, key, first, first.length, headers);
        return { key, size: first.length };
      }
      const size = await this.uploadInParts(key, headers, prepend([first, second.value], parts), options.size);
      return { key, size };
    } catch (error) {
      // The body is ours once handed over: a caller's file stream must not stay open because the upload failed.
      if (!isBufferBody(body)) body.destroy();
      throw error;
    } finally {
      await parts.return(undefined);
    }
  }

  /** An object store has no links: the caller uploads the bytes. */
  async linkFile(): Promise<BlobInfo | null> {
    return null;
  }

  async putFile(key: string, path: string, options: { size?: number; contentType?: string } = {}): Promise<BlobInfo> {
    const info = await this.put(key, createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
    await rm(path, { force: true });
    return info;
  }

  async get(key: string, range?: BlobRange): Promise<Readable> {
    assertValidBlobKey(key);
    if (range) assertValidBlobRange(range);
    await this.ensureBucket();
    try {
      if (!range) return await this.client.getObject(this.bucket, key);
      // The minio client reads a zero length as "to the end": an empty range needs no request for its bytes.
      if (range.end === range.start) {
        if (!(await this.stat(key))) throw new BlobNotFound(key);
        return Readable.from([]);
      }
      const length = range.end - range.start;
      return atMostBytes(await this.client.getPartialObject(this.bucket, key, range.start, length), length);
    } catch (error) {
      if (isNoSuchKey(error)) throw new BlobNotFound(key);
      // 416: the range starts at or past the end of an existing object; clipped, as the filesystem adapter does.
      if (errorCode(error) === 'InvalidRange') return Readable.from([]);
      throw error;
    }
  }

  /** S3 acknowledges a put once it is durable: nothing is left to flush; only absence is reported. */
  async sync(keys: Iterable<string>): Promise<void> {
    for (const key of new Set(keys)) if (!(await this.stat(key))) throw new BlobNotFound(key);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertValidBlobKey(key);
    await this.ensureBucket();
    try {
      const info = await this.client.statObject(this.bucket, key);
      return { key, size: info.size };
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidBlobKey(key);
    await this.ensureBucket();
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (!isNoSuchKey(error)) throw error; // S3 answers 204 anyway; some compatible servers say 404
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertValidBlobPrefix(prefix);
    await this.ensureBucket();
    // Page by page rather than through the client's listObjectsV2 stream, to sort each page: S3 and MinIO already
    // return UTF-8 byte order (a no-op then), s3rver returns its directory walk's order. At most 1000 keys in memory.
    let continuationToken = '';
    for (;;) {
      const page = await this.client.listObjectsV2Query(this.bucket, prefix, continuationToken, '', 1000, '');
      const objects = page.objects.filter((item): item is typeof item & { name: string } => item.name !== undefined);
      objects.sort((a, b) => compareBlobKeys(a.name, b.name));
      for (const item of objects) yield { key: item.name, size: item.size };
      if (!page.isTruncated) return;
      continuationToken = page.nextContinuationToken;
    }
  }

  localPath(key: string): string | null {
    assertValidBlobKey(key);
    return null;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  /** Create the bucket on first use; a failure is not remembered, so that the next call tries again. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      try {
        await this.client.makeBucket(this.bucket, this.region);
      } catch (error) {
        if (errorCode(error) !== 'BucketAlreadyOwnedByYou') throw error; // another process created it meanwhile
      }
    })().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }

  private async uploadInParts(
    key: string,
    headers: Record<string, string>,
    parts: AsyncIterable<Buffer>,
    expectedSize: number | undefined,
  ): Promise<number> {
    const uploadId = await this.client.initiateNewMultipartUpload(this.bucket, key, headers);
    const uploaded: UploadedPart[] = [];
    let inFlight: Promise<UploadedPart> | undefined;
    let total = 0;
    try {
      let partNumber = 0;
      for await (const data of parts) {
        if (++partNumber > MAX_PARTS) throw new BlobTooLarge(key);
        total += data.length;
        if (expectedSize !== undefined && total > expectedSize) throw new BlobSizeMismatch(key, expectedSize, total);
        const sending = this.uploadPart(key, uploadId, partNumber, data);
        // Awaited below; this only keeps an early failure from counting as unhandled while we read the next part.
        sending.catch(() => undefined);
        if (inFlight) uploaded.push(await inFlight);
        inFlight = sending;
      }
      if (inFlight) uploaded.push(await inFlight);
      inFlight = undefined;
      if (expectedSize !== undefined && total !== expectedSize) throw new BlobSizeMismatch(key, expectedSize, total);
      await this.client.completeMultipartUpload(this.bucket, key, uploadId, uploaded);
      return total;
    } catch (error) {
      // Let the part being sent finish first: S3 may keep a part that lands after the abort.
      await inFlight?.catch(() => undefined);
      await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined);
      throw error;
    }
  }

  private async uploadPart(key: string, uploadId: string, partNumber: number, data: Buffer): Promise<UploadedPart> {
    const { etag } = await this.client.uploadPart(
      {
        bucketName: this.bucket,
        objectName: key,
        // The client puts this into the query string as is (its other multipart calls escape it).
        uploadID: uriEscape(uploadId),
        partNumber,
        // Over HTTPS the client signs UNSIGNED-PAYLOAD: the MD5 is what lets the server reject a corrupted part.
        headers: { 'Content-MD5': createHash('md5').update(data).digest('base64') },
      },
      data,
    );
    return { part: partNumber, etag };
  }
}

async function* prepend<T>(first: T[], rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield* first;
  yield* rest;
}

/** SigV4's URI encoding: `encodeURIComponent` plus the five characters it leaves alone. */
function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/** GET says NoSuchKey; HEAD has no body, so the client names a 404 NotFound. */
function isNoSuchKey(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}
