import { text } from 'node:stream/consumers';
import { BlobNotFound, type BlobStore } from '@hangar/blob-store';
import type { PendingDeliveriesSnapshot } from './pending-deliveries.projection';

/**
 * The scheduler's snapshot lives in the blob store, which every dispatcher copy shares (the event store is for facts,
 * and a snapshot is only a shortcut: losing it costs one fold of the store's log, never a delivery). One object,
 * replaced whole (a put is atomic), so its position and its projects always agree.
 */
const SNAPSHOT_KEY = 'webhook-dispatcher/pending-deliveries.json';

export async function loadPendingDeliveriesSnapshot(blobs: BlobStore): Promise<PendingDeliveriesSnapshot | null> {
  try {
    return JSON.parse(await text(await blobs.get(SNAPSHOT_KEY))) as PendingDeliveriesSnapshot;
  } catch (error) {
    if (error instanceof BlobNotFound) return null;
    throw error;
  }
}

export async function savePendingDeliveriesSnapshot(blobs: BlobStore, snapshot: PendingDeliveriesSnapshot): Promise<void> {
  await blobs.put(SNAPSHOT_KEY, Buffer.from(JSON.stringify(snapshot)), { contentType: 'application/json' });
}
