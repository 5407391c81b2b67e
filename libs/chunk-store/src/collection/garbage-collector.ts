import { randomBytes } from 'node:crypto';
import { BlobNotFound, type BlobInfo, type BlobStore } from '@hangar/blob-store';
import { CHUNKS_PREFIX, MANIFESTS_PREFIX } from '../content-store/content-keys';
import { chunkHashesOf, readManifest } from '../content-store/manifest-io';
import { PACKS_PREFIX } from '../content-store/chunk-packs';
import { PackIndex, type PackEntry } from '../content-store/pack-index';
import { COLLECTION_MARKERS_PREFIX, COLLECTION_PASS_LIMIT_MS, LATEST_COLLECTION_KEY } from './collection-markers';

export interface CollectionResult {
  deletedChunks: number;
  deletedBytes: number;
  /** The pass ran out of time (`COLLECTION_PASS_LIMIT_MS`) and left the rest for the next one. */
  stoppedEarly: boolean;
}

/**
 * Mark and sweep over the content-addressed store: the roots are the manifests under `manifests/`, and every chunk
 * no manifest references is deleted, whether an object (`chunks/`) or a pack's entry (`PackIndex`); then every
 * pack that no remaining entry points into (entries first, packs after, see `packFile`). The pass announces itself
 * with a marker for its whole duration, and names itself the latest pass before it deletes anything; writers wait
 * for running passes and then confirm their chunks (`confirmChunks`), which is what makes a concurrent upload that
 * reuses a chunk safe, unless no pass has started since they began (`noCollectionSince`). Passes may overlap one
 * another.
 */
export async function collectGarbage(blobs: BlobStore, now: () => number = Date.now): Promise<CollectionResult> {
  const startedAt = now();
  const marker = `${COLLECTION_MARKERS_PREFIX}${startedAt}-${randomBytes(6).toString('hex')}`;
  await blobs.put(marker, Buffer.alloc(0), { size: 0 });
  try {
    // After the marker, before any deletion: a writer that finds this unchanged, and no marker, knows no pass ran.
    await blobs.put(LATEST_COLLECTION_KEY, Buffer.from(marker));
    const referenced = new Set<string>();
    for (const key of await keysUnder(blobs, MANIFESTS_PREFIX)) {
      try {
        for (const hash of chunkHashesOf(await readManifest(blobs, key))) referenced.add(hash);
      } catch (error) {
        if (!(error instanceof BlobNotFound)) throw error; // deleted meanwhile: its build is gone
      }
    }
    // Listed first, deleted after: an adapter need not support deletion while it lists.
    const unreferenced: BlobInfo[] = [];
    for await (const chunk of blobs.list(CHUNKS_PREFIX)) if (!referenced.has(chunk.key.slice(CHUNKS_PREFIX.length))) unreferenced.push(chunk);
    // A pack is live while an entry of a referenced chunk points into it; an unreferenced entry's chunk is counted
    // as deleted bytes when its pack goes.
    const index = PackIndex.of(blobs);
    const livePacks = new Set<string>();
    const deadPacks = new Map<string, number>();
    const deadEntries: PackEntry[] = [];
    for await (const entry of index?.entries() ?? []) {
      if (referenced.has(entry.hash)) livePacks.add(entry.pack);
      else deadEntries.push(entry);
    }
    for await (const pack of blobs.list(PACKS_PREFIX)) if (!livePacks.has(pack.key)) deadPacks.set(pack.key, pack.size);
    const result: CollectionResult = { deletedChunks: 0, deletedBytes: 0, stoppedEarly: false };
    // Past the limit, writers no longer wait for this pass: deleting now could take a chunk they just confirmed.
    const overTime = () => now() - startedAt >= COLLECTION_PASS_LIMIT_MS * 0.9;
    if (deadEntries.length > 0) {
      if (overTime()) return { ...result, stoppedEarly: true };
      index?.remove(deadEntries); // one transaction, however many
      result.deletedChunks += deadEntries.length;
    }
    for (const chunk of unreferenced) {
      if (overTime()) return { ...result, stoppedEarly: true };
      await blobs.delete(chunk.key);
      result.deletedChunks += 1;
      result.deletedBytes += chunk.size;
    }
    for (const [pack, size] of deadPacks) {
      if (overTime()) return { ...result, stoppedEarly: true };
      await blobs.delete(pack);
      result.deletedBytes += size;
    }
    return result;
  } finally {
    await blobs.delete(marker);
  }
}

async function keysUnder(blobs: BlobStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of blobs.list(prefix)) keys.push(blob.key);
  return keys;
}
