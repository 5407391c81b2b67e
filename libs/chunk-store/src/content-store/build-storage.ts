import type { BuildManifest, StoredBuild } from '@hangar/contracts';
import { extractEntries, type ArchiveSource } from '@hangar/archive';
import type { BlobStore } from '@hangar/blob-store';
import { chunkingFor, type ChunkingOptions } from '../chunking/chunking-options';
import { confirmChunks } from '../collection/chunk-confirmation';
import { chunkRingFor, writeContents } from './chunk-writer';
import { manifestKey } from './content-keys';
import { readManifest, storageFigures, writeManifest } from './manifest-io';

export interface BuildIdentity {
  uploadId: string;
  projectId: string;
  createdAt: string;
}

/**
 * Stores a build zip in the content-addressed store: each entry's inflated contents are chunked as they stream out
 * of the archive (never the zip's own bytes, whose headers and deflate blocks defeat de-duplication), then the
 * manifest is written, then its chunks are confirmed against concurrent garbage collection. Chunks are put without
 * waiting for the disk; every chunk the manifest references (also those another build put and may not have flushed
 * yet) is made durable in one batch before the manifest names it, so a crash never leaves a manifest over lost bytes.
 */
export async function storeBuild(blobs: BlobStore, source: ArchiveSource, build: BuildIdentity, chunking: ChunkingOptions = chunkingFor()): Promise<StoredBuild> {
  const manifest: BuildManifest = { ...build, files: [], totalBytes: 0 };
  let newBytes = 0;
  const holders = new Set<string>();
  const ring = chunkRingFor(chunking);
  await extractEntries(source, async (entry, contents) => {
    const written = await writeContents(blobs, contents, chunking, ring);
    manifest.files.push({ path: entry.path, size: written.size, crc32: entry.crc32, chunks: written.chunks });
    manifest.totalBytes += written.size;
    newBytes += written.newBytes;
    for (const key of written.holders) holders.add(key);
  });
  const key = manifestKey(build.uploadId);
  await blobs.sync(holders);
  await writeManifest(blobs, key, manifest);
  await confirmChunks(blobs, manifest);
  return storageFigures(key, manifest, newBytes);
}

/** A copy of a stored build: a manifest of its own over the same chunks. No chunk is written (`newBytes` 0). */
export async function copyBuild(blobs: BlobStore, sourceManifestKey: string, build: BuildIdentity): Promise<StoredBuild> {
  const source = await readManifest(blobs, sourceManifestKey);
  const manifest: BuildManifest = { ...source, ...build };
  const key = manifestKey(build.uploadId);
  await writeManifest(blobs, key, manifest);
  await confirmChunks(blobs, manifest);
  return storageFigures(key, manifest, 0);
}
