import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { WebhookSecretVault } from '@hangar/application';
import { loadConfig } from '@hangar/config';
import { eventually } from '@hangar/bus/testing';
import { createInfrastructure, type Infrastructure } from '@hangar/infrastructure';
import { createProjectWithWebhook, scheduleDeliveries, startWebhookReceiver, testNatsUrl, uniquePrefix, type ScheduledDelivery, type WebhookReceiver } from '@hangar/testing';
import { startBusService, type Stoppable } from './service-runner';

/** How often each delivery reached the receiver, by `webhook-id`. */
function receivedCounts(hooks: WebhookReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of hooks.received) {
    const id = String(d.headers['webhook-id']);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const missing = (scheduled: ScheduledDelivery[], counts: Map<string, number>) => scheduled.filter((s) => !counts.has(s.deliveryId));

describe('two webhook dispatchers on one deployment (real NATS): one sends, the other takes over', () => {
  const prefix = uniquePrefix('lease');
  let tmp: string;
  let nats: NatsConnection;
  let hooks: WebhookReceiver;
  const copies: { infra: Infrastructure; service: Stoppable | null }[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-lease-'));
    nats = await connect({ servers: testNatsUrl() });
    hooks = await startWebhookReceiver();
    const env = {
      NATS_URL: testNatsUrl(),
      HANGAR_NATS_PREFIX: prefix,
      HANGAR_DATA_DIR: tmp,
      HANGAR_SECRET_KEY: 'lease-test-key',
      HANGAR_ALLOW_PRIVATE_NETWORKS: 'true',
      // Long, so that a stall of this busy test process (both copies live in it) does not pass the lease on mid-test.
      HANGAR_WEBHOOK_LEASE_SECONDS: '5',
    };
    for (let i = 0; i < 2; i++) {
      const infra = await createInfrastructure(loadConfig(env, 'distributed'), { name: `dispatcher-${i}` });
      copies.push({ infra, service: await startBusService('webhook-dispatcher', infra) });
    }
  }, 60_000);

  afterAll(async () => {
    for (const copy of copies) {
      await copy.service?.close();
      await copy.infra.close();
    }
    const jsm = await nats.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.toLowerCase().includes(prefix.toLowerCase())) await jsm.streams.delete(stream.config.name);
    }
    await nats.close();
    await hooks.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function schedule(count: number): Promise<ScheduledDelivery[]> {
    const store = copies[0].infra.eventStore;
    const projectId = await createProjectWithWebhook(store, (s) => WebhookSecretVault.fromConfig(copies[0].infra.config).seal(s), hooks.url('/lease'));
    return scheduleDeliveries(store, projectId, count / 4, 4);
  }

  it('sends each delivery once while both run', async () => {
    const scheduled = await schedule(200);
    await eventually(() => expect(missing(scheduled, receivedCounts(hooks))).toEqual([]), 60_000, 100);
    const counts = receivedCounts(hooks);
    expect(scheduled.filter((s) => counts.get(s.deliveryId) !== 1)).toEqual([]);
    expect(hooks.received).toHaveLength(scheduled.length);
  }, 90_000);

  it('goes on sending when the copy that held the lease stops', async () => {
    hooks.clear();
    const holder = copies.find((c) => c.service !== null)!;
    // Both copies are equal: stop the first; if it did not hold the lease, the other simply keeps it.
    await holder.service!.close();
    holder.service = null;
    const scheduled = await schedule(100);
    await eventually(() => expect(missing(scheduled, receivedCounts(hooks))).toEqual([]), 60_000, 100);
  }, 90_000);
});
