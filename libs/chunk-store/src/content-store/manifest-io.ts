import type { BuildManifest, StoredBuild } from '@hangar/contracts';
import { readBlob, type BlobStore } from '@hangar/blob-store';

export async function readManifest(blobs: BlobStore, key: string): Promise<BuildManifest> {
  return JSON.parse((await readBlob(blobs, key)).toString('utf8')) as BuildManifest;
}

export async function writeManifest(blobs: BlobStore, key: string, manifest: BuildManifest): Promise<void> {
  await blobs.put(key, Buffer.from(JSON.stringify(manifest)), { contentType: 'application/json' });
}

/** The distinct chunks a manifest references. */
export function chunkHashesOf(manifest: BuildManifest): Set<string> {
  const hashes = new Set<string>();
  for (const file of manifest.files) for (const chunk of file.chunks ?? []) hashes.add(chunk.hash);
  return hashes;
}

/** The storage figures of a build: `newBytes` is what it added to the store. */
export function storageFigures(key: string, manifest: BuildManifest, newBytes: number): StoredBuild {
  const totalBytes = manifest.totalBytes;
  const dedupRatio = totalBytes === 0 ? 1 : Math.round((1 - newBytes / totalBytes) * 10_000) / 10_000;
  return { manifestKey: key, fileCount: manifest.files.length, totalBytes, newBytes, chunkCount: chunkHashesOf(manifest).size, dedupRatio };
}
