import type { BuildManifest } from '@hangar/contracts';
import { forEachConcurrently, type BlobStore } from '@hangar/blob-store';
import { chunkHolders, type PackLookups } from '../content-store/chunk-packs';
import { chunkHashesOf } from '../content-store/manifest-io';
import { runningCollections } from './collection-markers';

export class ChunksMissing extends Error {
  readonly code = 'CHUNKS_MISSING';
  constructor(
    readonly uploadId: string,
    readonly missing: string[],
  ) {
    super(`build ${uploadId}: ${missing.length} chunk(s) collected while it was stored (e.g. ${missing[0]}); store it again`);
    this.name = 'ChunksMissing';
  }
}

/**
 * Called after a build's manifest is written: waits until no collection pass is running, then checks that every chunk
 * the manifest references exists. Why this is enough: a pass that starts after the wait reads the manifest (it
 * was written before) and keeps its chunks; a pass that ran before the wait ended has finished deleting, so the check
 * sees whatever it took, whether the build reused the chunk (`stat` found it) or had just put it. A missing chunk
 * throws `ChunksMissing`: the repository's retry stores the build again and puts the chunk back.
 */
export async function confirmChunks(blobs: BlobStore, manifest: BuildManifest, pollMs = 200): Promise<void> {
  while ((await runningCollections(blobs)).length > 0) await new Promise((r) => setTimeout(r, pollMs));
  const missing = await missingChunks(blobs, chunkHashesOf(manifest));
  if (missing.length) throw new ChunksMissing(manifest.uploadId, missing);
}

/**
 * Chunks looked up at once: one at a time, a build's thousand chunks took a round trip each (a `stat` through
 * libuv's pool, an S3 HEAD), about 0.1 s per thousand on the filesystem store.
 */
const LOOKUPS_AT_ONCE = 16;

/** Those of `hashes` whose chunk the store lacks (as an object and in a pack), in their order; looked up several at a time. */
export async function missingChunks(blobs: BlobStore, hashes: Iterable<string>): Promise<string[]> {
  const all = [...hashes];
  const found = new Array<boolean>(all.length);
  const packs: PackLookups = new Map();
  await forEachConcurrently(all, LOOKUPS_AT_ONCE, async (hash, index) => {
    found[index] = (await chunkHolders(blobs, hash, packs)) !== null;
  });
  return all.filter((_, index) => !found[index]);
}
