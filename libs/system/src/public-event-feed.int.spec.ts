import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, connect, type JsMsg, type NatsConnection } from 'nats';
import { PublicEventFeed, buildStreamName, type PublishedEvent } from '@hangar/contracts';
import { WebhookSecretVault } from '@hangar/application';
import { loadConfig } from '@hangar/config';
import { createInfrastructure, type Infrastructure } from '@hangar/infrastructure';
import { createProjectWithWebhook, scheduleDeliveries, testNatsUrl, uniquePrefix } from '@hangar/testing';
import { startPublicEventFeed, type Stoppable } from './service-runner';

/** docs/events.md, "Consuming it", step by step with the plain nats client. */
describe('the public event feed (real NATS): what docs/events.md tells a service to do', () => {
  const prefix = uniquePrefix('feed');
  const stream = PublicEventFeed.streamName(prefix);
  let tmp: string;
  let nats: NatsConnection;
  let infra: Infrastructure;
  let feed: Stoppable;
  let uploadId: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-feed-'));
    nats = await connect({ servers: testNatsUrl() });
    infra = await createInfrastructure(
      loadConfig({ NATS_URL: testNatsUrl(), HANGAR_NATS_PREFIX: prefix, HANGAR_DATA_DIR: tmp, HANGAR_SECRET_KEY: 'feed-test' }, 'distributed'),
      { name: 'feed-test' },
    );
    feed = await startPublicEventFeed(infra);
    // A project (ProjectCreated, and WebhookSecretIssued: not public), its deliveries (not public), a user (not
    // public), and a build's first two facts.
    const projectId = await createProjectWithWebhook(infra.eventStore, (s) => WebhookSecretVault.fromConfig(infra.config).seal(s), 'https://hooks.example.com/x');
    await scheduleDeliveries(infra.eventStore, projectId, 1, 1);
    await infra.eventStore.append('user-u1', [{ type: 'UserCreated', data: { userId: 'u1', name: 'someone', apiKeyHash: 'x', at: new Date().toISOString() } }], 'no_stream');
    uploadId = 'b0000000000000000000001';
    const at = new Date().toISOString();
    await infra.eventStore.append(buildStreamName(uploadId), [
      { type: 'BuildQueued', data: { uploadId, projectId, userId: 'u1', fileUrl: 'https://files.example.com/b.zip', autoRelease: true, region: 'europe', at } },
      { type: 'DownloadStarted', data: { uploadId, projectId, at } },
    ], 'no_stream');
  }, 60_000);

  afterAll(async () => {
    await feed?.close();
    await infra?.close();
    const jsm = await nats.jetstreamManager();
    for await (const s of jsm.streams.list()) if (s.config.name.toLowerCase().includes(prefix.toLowerCase())) await jsm.streams.delete(s.config.name);
    await nats.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Fetches until `count` messages came (the relay publishes asynchronously), acknowledging each. */
  async function take(durable: string, count: number): Promise<JsMsg[]> {
    const consumer = await nats.jetstream().consumers.get(stream, durable);
    const taken: JsMsg[] = [];
    for (const deadline = Date.now() + 20_000; taken.length < count && Date.now() < deadline; ) {
      for await (const m of await consumer.fetch({ max_messages: count - taken.length, expires: 1000 })) {
        m.ack();
        taken.push(m);
      }
    }
    return taken;
  }
  const typesOf = (messages: JsMsg[]) => messages.map((m) => m.json<PublishedEvent>().type);

  it('gives a durable consumer every public fact from the start, in store order, with the position in a header', async () => {
    const jsm = await nats.jetstreamManager();
    await jsm.consumers.add(stream, { durable_name: 'billing', filter_subject: `${prefix}.public.>`, deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.Explicit });
    const messages = await take('billing', 3);
    expect(typesOf(messages)).toEqual(['ProjectCreated', 'BuildQueued', 'DownloadStarted']);
    for (const m of messages) {
      const event = m.json<PublishedEvent>();
      expect(m.headers?.get(PublicEventFeed.positionHeader)).toBe(event.position);
      expect(m.headers?.get(PublicEventFeed.typeHeader)).toBe(event.type);
      expect(m.subject).toBe(`${prefix}.public.${event.stream.startsWith('build-') ? 'build' : 'project'}.${event.type}`);
    }
    const positions = messages.map((m) => BigInt(m.json<PublishedEvent>().position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);

    // The durable consumer resumes after what it acknowledged: only the new fact comes next.
    await infra.eventStore.append(buildStreamName(uploadId), [{ type: 'DownloadCompleted', data: { uploadId, projectId: 'p', at: new Date().toISOString() } }], 'any');
    expect(typesOf(await take('billing', 1))).toEqual(['DownloadCompleted']);
  });

  it('starts from a position (the feed\'s sequence) and filters by subject', async () => {
    const jsm = await nats.jetstreamManager();
    await jsm.consumers.add(stream, { durable_name: 'first', filter_subject: `${prefix}.public.>`, deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.Explicit });
    const [, second] = await take('first', 2);
    await jsm.consumers.add(stream, {
      durable_name: 'from-second',
      filter_subject: `${prefix}.public.build.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: second.seq,
      ack_policy: AckPolicy.Explicit,
    });
    expect(typesOf(await take('from-second', 3))).toEqual(['BuildQueued', 'DownloadStarted', 'DownloadCompleted']);
  });
});
