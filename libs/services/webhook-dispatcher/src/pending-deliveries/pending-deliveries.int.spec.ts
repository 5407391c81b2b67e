import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webhookDeliveriesStreamName, type WebhookDeliveryEvent, type WebhookEnvelope } from '@hangar/contracts';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { fold, pendingOnly, webhookDeliveriesDecider } from '@hangar/domain';
import { SqliteEventStore, type EventStore } from '@hangar/event-store';
import { PendingDeliveries } from './pending-deliveries.projection';
import { loadPendingDeliveriesSnapshot, savePendingDeliveriesSnapshot } from './pending-deliveries.snapshot';

const at = '2026-11-22T10:00:00.000Z';
const envelope = (uploadId: string): WebhookEnvelope =>
  ({ event: 'build.uploaded', projectId: 'p1', uploadId, fileUrl: null, status: null, objection: null, timestamp: at }) as WebhookEnvelope;
const scheduled = (deliveryId: string, uploadId: string): WebhookDeliveryEvent => ({
  type: 'WebhookDeliveryScheduled',
  data: { projectId: 'p1', deliveryId, uploadId, envelope: envelope(uploadId), at },
});
const delivered = (deliveryId: string): WebhookDeliveryEvent => ({
  type: 'WebhookDeliveryAttempted',
  data: { projectId: 'p1', deliveryId, attempt: 1, at, succeeded: true, statusCode: 200, latencyMs: 1, responseExcerpt: null, error: null, nextAttemptAt: null },
});

/** Counts whole-stream reads: the projection must not need them to follow a project. */
function counting(store: EventStore): EventStore & { streamReads: number } {
  const counted = Object.create(store) as EventStore & { streamReads: number };
  counted.streamReads = 0;
  counted.readStream = (stream) => (counted.streamReads++, store.readStream(stream));
  return counted;
}

describe('PendingDeliveries (SQLite store, filesystem snapshot)', () => {
  let tmp: string;
  let store: SqliteEventStore;
  let blobs: FilesystemBlobStore;
  const stream = webhookDeliveriesStreamName('p1');

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-pending-'));
    store = new SqliteEventStore(join(tmp, 'events.sqlite'));
    blobs = new FilesystemBlobStore(join(tmp, 'blobs'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function follow(projection: PendingDeliveries, from: bigint | null): Promise<void> {
    for (const event of await store.readAll(from === null ? {} : { after: from })) {
      await projection.apply(event);
      projection.position = event.position;
    }
  }

  it('resumes from a snapshot with only the events after it, and holds only what is pending', async () => {
    const history = Array.from({ length: 300 }, (_, i) => [scheduled(`d${i}`, `b${i}`), delivered(`d${i}`)]).flat();
    await store.append(stream, history, 'no_stream');
    const first = new PendingDeliveries(store);
    await follow(first, null);
    expect(first.get('p1')!.state.deliveries).toEqual([]);
    await savePendingDeliveriesSnapshot(blobs, first.snapshot());

    await store.append(stream, [scheduled('new', 'b-new')], 599n);
    const counted = counting(store);
    const resumed = new PendingDeliveries(counted);
    const snapshot = (await loadPendingDeliveriesSnapshot(blobs))!;
    resumed.restore(snapshot);
    const after = await store.readAll({ after: BigInt(snapshot.position!) });
    expect(after).toHaveLength(1);
    await follow(resumed, BigInt(snapshot.position!));

    const whole = pendingOnly(fold(webhookDeliveriesDecider, (await store.readStream(stream)).map((e) => e as unknown as WebhookDeliveryEvent)));
    expect(resumed.get('p1')).toEqual({ revision: 600n, state: whole });
    expect(resumed.get('p1')!.state.deliveries.map((d) => d.deliveryId)).toEqual(['new']);
    expect(counted.streamReads).toBe(0);
  });

  it('applies an event once, whether its own append or the tail brings it first', async () => {
    const projection = new PendingDeliveries(store);
    const { nextExpectedRevision } = await store.append(stream, [scheduled('d1', 'b1')], 'no_stream');
    await projection.applyAppended('p1', [scheduled('d1', 'b1')], nextExpectedRevision);
    await follow(projection, null);
    expect(projection.get('p1')!.state.deliveries.map((d) => d.deliveryId)).toEqual(['d1']);
  });

  it('reads the whole stream when a delivered (dropped) delivery is resent', async () => {
    await store.append(stream, [scheduled('d1', 'b1'), delivered('d1'), { type: 'WebhookResendRequested', data: { projectId: 'p1', deliveryId: 'd1', at } }], 'no_stream');
    const projection = new PendingDeliveries(store);
    await follow(projection, null);
    expect(projection.get('p1')!.state.deliveries.map((d) => [d.deliveryId, d.state])).toEqual([['d1', 'pending']]);
  });
});
