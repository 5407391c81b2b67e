import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { WebhookSecretVault } from '@hangar/application';
import { eventually } from '@hangar/bus/testing';
import { loadConfig } from '@hangar/config';
import { createInfrastructure, type Infrastructure } from '@hangar/infrastructure';
import {
  ServiceProcess,
  createProjectWithWebhook,
  scheduleDeliveries,
  startWebhookReceiver,
  testNatsUrl,
  uniquePrefix,
  type ScheduledDelivery,
  type WebhookReceiver,
} from '@hangar/testing';

const ROOT = join(__dirname, '..', '..', '..');
const PROJECTS = 10;
const BUILDS_PER_PROJECT = 50;
const DELIVERIES_PER_BUILD = 20;
const KILLS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('webhook dispatcher chaos: SIGKILL at random moments during 10,000 deliveries (real NATS, a real process)', () => {
  const prefix = uniquePrefix('chaos');
  // Its own build directory: rebuilding dist/ would pull the files from under other tests' processes.
  const buildDir = join('tmp', `build-${prefix}`);
  let tmp: string;
  let nats: NatsConnection;
  let hooks: WebhookReceiver;
  let infra: Infrastructure;
  let dispatcher: ServiceProcess;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, HANGAR_BUILD_DIR: join(buildDir, 'dist') } });
    tmp = mkdtempSync(join(tmpdir(), 'hangar-chaos-'));
    nats = await connect({ servers: testNatsUrl() });
    hooks = await startWebhookReceiver();
    const env = {
      NATS_URL: testNatsUrl(),
      HANGAR_NATS_PREFIX: prefix,
      HANGAR_DATA_DIR: join(tmp, 'data'),
      HANGAR_SECRET_KEY: 'chaos-test-key',
      HANGAR_ALLOW_PRIVATE_NETWORKS: 'true',
      HANGAR_WEBHOOK_LEASE_SECONDS: '2',
      // The receiver shares this test's process and the machine with other tests: a slow answer must be retried, not
      // given up (which would be a lost event for this test, though not a crash-safety failure).
      HANGAR_WEBHOOK_RETRY_SCHEDULE: '0.2,0.5,1,2,3,5,5,5,5,5,5,5,5,5,5',
      HANGAR_WEBHOOK_TIMEOUT_SECONDS: '30',
      // Warnings (failed POSTs, lease changes) are in the output shown when the test fails.
      HANGAR_LOG_LEVEL: 'warn',
    };
    infra = await createInfrastructure(loadConfig(env, 'distributed'), { name: 'chaos-test' });
    dispatcher = new ServiceProcess('webhook-dispatcher', 'webhook-dispatcher', env, join(ROOT, buildDir));
  }, 180_000);

  afterAll(async () => {
    await dispatcher?.stop();
    await infra?.close();
    const jsm = await nats?.jetstreamManager();
    for await (const stream of jsm?.streams.list() ?? []) {
      if (stream.config.name.toLowerCase().includes(prefix.toLowerCase())) await jsm!.streams.delete(stream.config.name);
    }
    await nats?.close();
    await hooks?.close();
    rmSync(tmp, { recursive: true, force: true });
    rmSync(join(ROOT, buildDir), { recursive: true, force: true });
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) process.stderr.write(`--- dispatcher ---\n${dispatcher.output.slice(-6000)}\n`);
  });

  it('delivers every event at least once, every duplicate under the same webhook-id, each build in order', async () => {
    const vault = WebhookSecretVault.fromConfig(infra.config);
    const scheduled: ScheduledDelivery[] = [];
    for (let p = 0; p < PROJECTS; p++) {
      const projectId = await createProjectWithWebhook(infra.eventStore, (s) => vault.seal(s), hooks.url(`/chaos/${p}`));
      scheduled.push(...(await scheduleDeliveries(infra.eventStore, projectId, BUILDS_PER_PROJECT, DELIVERIES_PER_BUILD)));
    }
    expect(scheduled).toHaveLength(10_000);
    const ids = new Set(scheduled.map((s) => s.deliveryId));
    // Counted as they arrive (the receiver's list only grows), so polling stays cheap at 10,000.
    const seen = new Set<string>();
    let scanned = 0;
    const distinctReceived = () => {
      for (; scanned < hooks.received.length; scanned++) seen.add(String(hooks.received[scanned].headers['webhook-id']));
      return seen.size;
    };

    await dispatcher.start();
    let kills = 0;
    // Each round: once the restarted dispatcher is delivering again, kill it at a random moment.
    while (kills < KILLS) {
      const before = distinctReceived();
      if (before >= ids.size) break;
      await eventually(() => expect(distinctReceived()).toBeGreaterThan(before), 60_000, 10);
      await sleep(Math.random() * 500);
      if (distinctReceived() >= ids.size) break;
      await dispatcher.kill();
      kills++;
      await dispatcher.start();
    }
    await eventually(() => expect(distinctReceived()).toBe(ids.size), 150_000, 250);

    // Every event at least once...
    const received = new Map<string, string[]>();
    for (const d of hooks.received) {
      const key = (d.body as { fileUrl: string }).fileUrl;
      received.set(key, [...(received.get(key) ?? []), String(d.headers['webhook-id'])]);
    }
    expect(scheduled.filter((s) => !received.has(s.key))).toEqual([]);
    // ...and every copy of one event under its one webhook-id.
    expect(scheduled.filter((s) => received.get(s.key)!.some((id) => id !== s.deliveryId))).toEqual([]);
    // Each build's first arrivals in pipeline order (a duplicate may come late; a later state never comes first).
    const firstArrival = new Map<string, number>();
    hooks.received.forEach((d, i) => {
      const id = String(d.headers['webhook-id']);
      if (!firstArrival.has(id)) firstArrival.set(id, i);
    });
    const builds = new Map<string, string[]>();
    for (const s of scheduled) builds.set(s.uploadId, [...(builds.get(s.uploadId) ?? []), s.deliveryId]);
    const outOfOrder = [...builds.values()].filter((order) => order.some((id, i) => i > 0 && firstArrival.get(id)! < firstArrival.get(order[i - 1])!));
    expect(outOfOrder).toEqual([]);
    expect(kills).toBe(KILLS);
    process.stdout.write(
      `chaos: ${kills} SIGKILLs mid-delivery, ${hooks.received.length} POSTs for ${ids.size} deliveries (${hooks.received.length - ids.size} duplicates)\n`,
    );
  }, 240_000);
});
