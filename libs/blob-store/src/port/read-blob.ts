import type { BlobStore } from './blob-store.port';

/** A small object's bytes, whole (manifests, reports, entries): `BlobNotFound` when absent, as `get` says. */
export async function readBlob(blobs: BlobStore, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await blobs.get(key)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
