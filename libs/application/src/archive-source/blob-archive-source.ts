import { BlobNotFound, type BlobStore } from '@hangar/blob-store';
import type { ArchiveSource } from '@hangar/archive';

/**
 * A stored archive as the archive library reads it: in place on the filesystem store, by range requests on S3 —
 * never copied first.
 */
export async function blobArchiveSource(blobs: BlobStore, key: string): Promise<ArchiveSource> {
  const local = blobs.localPath(key);
  if (local) return local;
  const info = await blobs.stat(key);
  if (!info) throw new BlobNotFound(key);
  return { size: info.size, read: (start, end) => blobs.get(key, { start, end }) };
}
