import type { BlobStore } from '@hangar/blob-store';

/** A collection pass is running while its marker `gc/running/<passId>` exists. */
export const COLLECTION_MARKERS_PREFIX = 'gc/running/';
/**
 * A marker older than this is a crashed pass's leftover and is ignored; a pass never deletes past this age (it
 * stops), so ignoring an old marker cannot miss a deletion.
 */
export const COLLECTION_PASS_LIMIT_MS = 60 * 60 * 1000;

export async function runningCollections(blobs: BlobStore, now = Date.now()): Promise<string[]> {
  const running: string[] = [];
  for await (const marker of blobs.list(COLLECTION_MARKERS_PREFIX)) {
    const startedAt = Number(marker.key.slice(COLLECTION_MARKERS_PREFIX.length).split('-')[0]);
    if (Number.isFinite(startedAt) && now - startedAt < COLLECTION_PASS_LIMIT_MS) running.push(marker.key);
  }
  return running;
}
