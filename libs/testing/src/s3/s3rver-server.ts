import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { makeS3rverWritesAtomic } from './s3rver-atomic-writes';

/** The credentials s3rver accepts (it has a single built-in account). */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

export interface S3rverServer {
  endPoint: string;
  port: number;
  useSSL: false;
  accessKey: string;
  secretKey: string;
  region: string;
  /** The bucket created at start, when one was asked for. */
  bucket?: string;
  /** Where s3rver keeps its objects (removed by `stop`). */
  directory: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * An S3 server for tests: s3rver on 127.0.0.1, a free port, its own temporary directory, no logging. It implements
 * enough of S3 for the blob store (single PUT, multipart without ListMultipartUploads/Abort, ranged GET, ListObjectsV2)
 * but checks no signatures: a test against it proves the protocol use, not the credentials. Its writes are patched to
 * be atomic, as S3's are (see `makeS3rverWritesAtomic`). Known deviations left: listings come in its directory walk's
 * order (and so page wrongly past 1000 keys), are never URL-encoded (the minio client decodes `+` in a listed key
 * as a space), and `Range: bytes=0-0` returns the whole object.
 */
export async function startS3rver(options: { bucket?: string } = {}): Promise<S3rverServer> {
  const directory = await mkdtemp(join(tmpdir(), 'hangar-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.bucket ? [{ name: options.bucket }] : [],
  });
  makeS3rverWritesAtomic(server);
  let address;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const port = address.port;
  return {
    endPoint: '127.0.0.1',
    port,
    useSSL: false,
    accessKey: S3RVER_ACCESS_KEY,
    secretKey: S3RVER_SECRET_KEY,
    region: 'us-east-1',
    bucket: options.bucket,
    directory,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      // close() waits for open connections: drop idle keep-alive ones now, and any left a moment later.
      const http = server.httpServer;
      const closed = server.close();
      http?.closeIdleConnections();
      const force = setTimeout(() => http?.closeAllConnections(), 1000);
      try {
        await closed;
      } finally {
        clearTimeout(force);
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
