import { BlobNotFound, readBlob, type BlobStore } from '@hangar/blob-store';

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

/**
 * The marker key of the latest pass to start: each pass puts it after its own marker and before it deletes anything,
 * so that a writer can tell, from two readings, that no pass started in between (`collectionsBefore`).
 */
export const LATEST_COLLECTION_KEY = 'gc/latest-pass';

/** What a writer saw of the collection passes before it looked up any chunk (`collectionsBefore`). */
export interface CollectionsSeen {
  /** The latest pass to have started then (its marker key), null when none ever had. */
  latestPass: string | null;
}

async function latestPass(blobs: BlobStore): Promise<string | null> {
  try {
    return (await readBlob(blobs, LATEST_COLLECTION_KEY)).toString('utf8');
  } catch (error) {
    if (error instanceof BlobNotFound) return null;
    throw error;
  }
}

/**
 * Noted by a writer before it looks up or puts any chunk (an ingest, as it begins): the latest pass to have started,
 * or null while a pass is running (a running pass may delete what the writer finds; nothing can be skipped later).
 * Read in this order (the latest pass, then the running markers), against a pass's order (its marker, then the
 * latest), so that a pass starting meanwhile is seen one way or the other.
 */
export async function collectionsBefore(blobs: BlobStore, now = Date.now()): Promise<CollectionsSeen | null> {
  const latest = await latestPass(blobs);
  if ((await runningCollections(blobs, now)).length > 0) return null;
  return { latestPass: latest };
}

/**
 * True when no collection pass has started since `seen` was noted and none is running now: nothing the writer found
 * or put since can have been collected, and a pass that starts later reads the manifest written before this (so a
 * writer that gets true after writing its manifest need not look its chunks up again, `confirmChunks`). Same order
 * of readings as `collectionsBefore`.
 */
export async function noCollectionSince(blobs: BlobStore, seen: CollectionsSeen, now = Date.now()): Promise<boolean> {
  const current = await collectionsBefore(blobs, now);
  return current !== null && current.latestPass === seen.latestPass;
}
