import type { Readable } from 'node:stream';

export const BLOB_STORE = Symbol('BLOB_STORE');

export interface BlobInfo {
  key: string;
  size: number;
}

/**
 * The blob store port. Adapters: filesystem and S3/MinIO. Every adapter passes `blobStoreContract`.
 *
 * Keys are `/`-separated relative paths (`builds/<uploadId>/files/Game.exe`); an adapter refuses a key that is
 * absolute, has an empty, `.` or `..` segment, a backslash or a NUL (`InvalidBlobKey`). A `put` is atomic: a reader
 * sees the whole object or nothing, never part of one.
 */
export interface BlobStore {
  put(key: string, body: Readable | Buffer, options?: { size?: number; contentType?: string }): Promise<BlobInfo>;
  /**
   * Stores the local file at `path` under `key` and takes the file over: afterwards it no longer exists at `path`.
   * The filesystem store moves it into place (no copy when it is on the same filesystem); S3 uploads it.
   */
  putFile(key: string, path: string, options?: { size?: number; contentType?: string }): Promise<BlobInfo>;
  /** The object's bytes; `range` is inclusive-start, exclusive-end. Throws `BlobNotFound`. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Null when absent. */
  stat(key: string): Promise<BlobInfo | null>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** A local path for the object when the adapter has one (filesystem), else null: lets tools read it in place. */
  localPath(key: string): string | null;
  close(): Promise<void>;
}

export class BlobNotFound extends Error {
  readonly code = 'BLOB_NOT_FOUND';
  constructor(readonly key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFound';
  }
}
export class InvalidBlobKey extends Error {
  readonly code = 'INVALID_BLOB_KEY';
  constructor(readonly key: string, reason: string) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidBlobKey';
  }
}
