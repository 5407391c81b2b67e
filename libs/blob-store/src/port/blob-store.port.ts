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
export interface PutOptions {
  size?: number;
  contentType?: string;
  /**
   * `false`: the put need not be on disk when it returns (still atomic: whole or absent); `sync` makes it durable
   * later, so that many small objects cost one batch of flushes instead of one wait each. Default `true`.
   */
  durable?: boolean;
}

/**
 * What a `put` stores: a stream, a buffer, or a list of buffers whose concatenation is the object (a content-defined
 * chunk arrives as views of the pieces it spans: the filesystem store writes them with one `writev`, no join).
 */
export type BlobBody = Readable | Buffer | readonly Buffer[];

/** The body is bytes in hand (not a stream): nothing to destroy when a put fails. */
export const isBufferBody = (body: BlobBody): body is Buffer | readonly Buffer[] => Buffer.isBuffer(body) || Array.isArray(body);

export interface BlobStore {
  put(key: string, body: BlobBody, options?: PutOptions): Promise<BlobInfo>;
  /**
   * Stores the local file at `path` under `key` and takes the file over: afterwards it no longer exists at `path`.
   * The filesystem store moves it into place (no copy when it is on the same filesystem); S3 uploads it.
   */
  putFile(key: string, path: string, options?: { size?: number; contentType?: string }): Promise<BlobInfo>;
  /**
   * Publishes the local file at `path` as `key` without copying its bytes, and leaves it at `path` too: the
   * filesystem store makes a hard link when the file is on its filesystem (both names are then one file: whoever
   * holds the other name must not write into it). Null where the store cannot (another filesystem, S3): the caller
   * stores the bytes some other way. Not durable until `sync`, like a put with `durable: false`.
   */
  linkFile(key: string, path: string): Promise<BlobInfo | null>;
  /** The object's bytes; `range` is inclusive-start, exclusive-end. Throws `BlobNotFound`. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Null when absent. */
  stat(key: string): Promise<BlobInfo | null>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /**
   * Makes the objects durable, e.g. those put with `durable: false` (the filesystem store flushes each file and its
   * directory, or for many objects its whole filesystem at once; S3's puts are durable already). Throws
   * `BlobNotFound` for a key that is absent.
   */
  sync(keys: Iterable<string>): Promise<void>;
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
