import { mkdirSync } from 'node:fs';
import { FilesystemBlobStore } from '../adapters/filesystem/filesystem-blob-store';
import { S3BlobStore } from '../adapters/s3/s3-blob-store';
import type { S3BlobStoreOptions } from '../adapters/s3/s3-blob-store.options';
import type { BlobStore } from '../port/blob-store.port';

/**
 * Where a blob store is, as plain data: what the configuration names, and what a worker thread is handed to open
 * the same store in its own isolate (a store object cannot cross threads).
 */
export type BlobStoreLocation = { kind: 'fs'; root: string } | ({ kind: 's3' } & S3BlobStoreOptions);

export function openBlobStore(location: BlobStoreLocation): BlobStore {
  if (location.kind === 'fs') {
    mkdirSync(location.root, { recursive: true });
    return new FilesystemBlobStore(location.root);
  }
  const { kind: _kind, ...options } = location;
  return new S3BlobStore({ pathStyle: true, ...options });
}
