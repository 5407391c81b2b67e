import { randomBytes } from 'node:crypto';
import { BlobNotFound, type BlobInfo, type BlobStore } from '@hangar/blob-store';
import { CHUNKS_PREFIX, MANIFESTS_PREFIX } from '../content-store/content-keys';
import { chunkHashesOf, readManifest } from '../content-store/manifest-io';
import { COLLECTION_MARKERS_PREFIX, COLLECTION_PASS_LIMIT_MS } from './collection-markers';

export interface CollectionResult {
  deletedChunks: number;
  deletedBytes: number;
  /** The pass ran out of time (`COLLECTION_PASS_LIMIT_MS`) and left the rest for the next one. */
  stoppedEarly: boolean;
}

/**
 * Mark and sweep over the content-addressed store: the roots are the manifests under `manifests/`, and every chunk
 * no manifest references is deleted. The pass announces itself with a marker for its whole duration; writers wait
 * for running passes and then confirm their chunks (`confirmChunks`), which is what makes a concurrent upload that
 * reuses a chunk safe. Passes may overlap one another.
 */
export async function collectGarbage(blobs: BlobStore, now: () => number = Date.now): Promise<CollectionResult> {
  const startedAt = now();
  const marker = `${COLLECTION_MARKERS_PREFIX}${startedAt}-${randomBytes(6).toString('hex')}`;
  await blobs.put(marker, Buffer.alloc(0), { size: 0 });
  try {
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
    const result: CollectionResult = { deletedChunks: 0, deletedBytes: 0, stoppedEarly: false };
    for (const chunk of unreferenced) {
      // Past the limit, writers no longer wait for this pass: deleting now could take a chunk they just confirmed.
      if (now() - startedAt >= COLLECTION_PASS_LIMIT_MS * 0.9) return { ...result, stoppedEarly: true };
      await blobs.delete(chunk.key);
      result.deletedChunks += 1;
      result.deletedBytes += chunk.size;
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
