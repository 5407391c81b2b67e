import { mkdirSync } from 'node:fs';
import { FilesystemBlobStore } from '../adapters/filesystem/filesystem-blob-store';
import { flushFilesystemOf } from '../adapters/filesystem/filesystem-flush';
import { S3BlobStore } from '../adapters/s3/s3-blob-store';
import type { S3BlobStoreOptions } from '../adapters/s3/s3-blob-store.options';
import type { BlobStore } from '../port/blob-store.port';

/**
 * Where a blob store is, as plain data: what the configuration names, and what a worker thread is handed to open
 * the same store in its own isolate (a store object cannot cross threads).
 */
export type BlobStoreLocation = { kind: 'fs'; root: string; flush?: FilesystemFlushMode } | ({ kind: 's3' } & S3BlobStoreOptions);

/**
 * How the filesystem store makes many objects durable at once: `filesystem` (the default), one flush of its whole
 * filesystem (`flushFilesystemOf`); `files`, each file on its own, for a store that shares its filesystem with
 * other busy writers, whose dirty data the whole-filesystem flush would wait for too.
 */
export type FilesystemFlushMode = 'filesystem' | 'files';

export function openBlobStore(location: BlobStoreLocation): BlobStore {
  if (location.kind === 'fs') {
    mkdirSync(location.root, { recursive: true });
    return new FilesystemBlobStore(location.root, location.flush === 'files' ? null : flushFilesystemOf);
  }
  const { kind: _kind, ...options } = location;
  return new S3BlobStore({ pathStyle: true, ...options });
}
