import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** The parts of s3rver's FilesystemStore that the patch replaces or uses. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<WriteResult>;
  putPart(bucket: string, uploadId: string, partNumber: string | number, content: Readable): Promise<WriteResult>;
}
interface StoredObject {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, unknown>;
}
interface WriteResult {
  size: number;
  md5: string;
}

/**
 * Give s3rver S3's write semantics. As shipped, s3rver 3.7 writes an object in place and answers the PUT when the
 * bytes have gone into the file stream, not when they are in the file: a GET right after a PUT can read a truncated
 * object, two PUTs of one key interleave, and a multipart Complete can read a part still being written. S3 itself
 * publishes an object whole or not at all; tests of code that relies on that (the blob store contract does) would be
 * flaky against s3rver. This replaces `putObject` (write aside, wait for the file to be written, rename, one writer
 * per key at a time so that the stored MD5 matches the bytes) and `putPart` (answer once the part is written).
 */
export function makeS3rverWritesAtomic(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  const writers = new Map<string, Promise<unknown>>();

  store.putObject = async function putObject(object: StoredObject): Promise<WriteResult> {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    // Read the body now (it is the request): only the rename and metadata wait for the key's previous writer.
    await mkdir(dirname(objectPath), { recursive: true });
    const temporary = join(dirname(objectPath), `.${randomUUID()}.uploading`);
    let written: WriteResult;
    try {
      written = await writeHashed(object.content, temporary);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const id = `${object.bucket}/${object.key}`;
    const previous = writers.get(id) ?? Promise.resolve();
    const publishing = previous.catch(() => undefined).then(async () => {
      await rename(temporary, objectPath);
      await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    });
    writers.set(id, publishing);
    try {
      await publishing;
    } finally {
      if (writers.get(id) === publishing) writers.delete(id);
    }
    return written;
  };

  store.putPart = async function putPart(bucket, uploadId, partNumber, content): Promise<WriteResult> {
    const partPath = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await mkdir(dirname(partPath), { recursive: true });
    const written = await writeHashed(content, partPath);
    await writeFile(`${partPath}.md5`, written.md5);
    return written;
  };
}

/** Write `content` to `path`, resolving once the file is closed, with its size and MD5 (s3rver's ETag). */
async function writeHashed(content: Readable | Buffer, path: string): Promise<WriteResult> {
  const md5 = createHash('md5');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(Buffer.isBuffer(content) ? Readable.from([content]) : content, hashing, createWriteStream(path));
  return { size, md5: md5.digest('hex') };
}
