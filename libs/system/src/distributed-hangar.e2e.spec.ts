import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { JetStreamBus } from '@hangar/bus';
import { Subjects, type DistributeBuild, type WorkerHeartbeat } from '@hangar/contracts';
import { JetStreamEventStore } from '@hangar/event-store';
import {
  HangarApiClient,
  ServiceProcess,
  freePort,
  startFileServer,
  startWebhookReceiver,
  testNatsUrl,
  uniquePrefix,
  writeUeBuildZip,
  type FileServer,
  type WebhookDelivery,
  type WebhookReceiver,
} from '@hangar/testing';

/** A delivery's JSON body (the Streampixel envelope). */
const hook = (d: WebhookDelivery): any => d.body;

const ROOT = join(__dirname, '..', '..', '..');
const ADMIN = 'distributed-admin-token';
const HAPPY_PATH = ['build.uploaded', 'build.downloading', 'build.extracting', 'build.saving', 'build.distributing', 'build.approved'];
const HAPPY_EVENTS = ['BuildQueued', 'DownloadStarted', 'DownloadCompleted', 'ScanStarted', 'ScanPassed', 'SavingStarted', 'BuildStored', 'DistributionStarted', 'BuildReadyOnWorker', 'BuildApproved'];

describe('Hangar distributed (npm run start:distributed): every app its own process on NATS', () => {
  const prefix = uniquePrefix('e2e');
  let tmp: string;
  let files: FileServer;
  let hooks: WebhookReceiver;
  let nats: NatsConnection;
  let api: HangarApiClient;
  let user: { userId: string; apiKey: string };
  const processes = new Map<string, ServiceProcess>();
  let env: Record<string, string>;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, stdio: 'inherit' });
    tmp = mkdtempSync(join(tmpdir(), 'hangar-distributed-'));
    files = await startFileServer();
    hooks = await startWebhookReceiver();
    files.serveFile('/good.zip', (await writeUeBuildZip(join(tmp, 'good.zip'), { name: 'Demo', fileCount: 300 })).path);
    nats = await connect({ servers: testNatsUrl() });
    const port = await freePort();
    env = {
      NATS_URL: testNatsUrl(),
      HANGAR_NATS_PREFIX: prefix,
      HANGAR_DATA_DIR: join(tmp, 'data'),
      HANGAR_ADMIN_TOKEN: ADMIN,
      HANGAR_ALLOW_PRIVATE_NETWORKS: 'true',
      HANGAR_BUS_ACK_WAIT_SECONDS: '3',
      HANGAR_RETRY_DELAYS_SECONDS: '0.2,0.5,1',
      HANGAR_DOWNLOAD_RETRY_DELAYS_SECONDS: '0.1,0.2,0.4',
      // A killed dispatcher's successor waits for its lease to expire.
      HANGAR_WEBHOOK_LEASE_SECONDS: '2',
      // us-east-1 has no worker agent of its own: the deadline test gives it one that never reports ready.
      HANGAR_REGIONS: 'europe,us-east-1',
      HANGAR_DISTRIBUTION_TIMEOUT_SECONDS: '12',
      PORT: String(port),
    };
    const apps = ['query', 'ingest', 'downloader', 'scanner', 'repository', 'distributor', 'webhook-dispatcher'];
    await Promise.all(
      apps.map(async (app) => processes.set(app, await new ServiceProcess(app, app, { ...env, HANGAR_DATA_DIR: join(tmp, 'data') }, ROOT).start())),
    );
    processes.set(
      'worker',
      await new ServiceProcess('worker', 'worker-agent', { ...env, HANGAR_WORKER_ID: 'worker-europe-1', HANGAR_WORKER_REGION: 'europe' }, ROOT).start(),
    );
    api = new HangarApiClient(`http://127.0.0.1:${port}`);
    user = await api.createUser(ADMIN);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
    const jsm = await nats?.jetstreamManager();
    for await (const stream of jsm?.streams.list() ?? []) {
      if (stream.config.name.toLowerCase().includes(prefix)) await jsm!.streams.delete(stream.config.name);
    }
    await nats?.close();
    await files?.close();
    await hooks?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      for (const p of processes.values()) process.stderr.write(`--- ${p.name} ---\n${p.output.slice(-4000)}\n`);
    }
  });

  async function storedEventTypes(uploadId: string): Promise<string[]> {
    const store = new JetStreamEventStore(nats, { prefix });
    return (await store.readStream(`build-${uploadId}`)).map((e) => e.type);
  }

  it('takes a build to Approved through the separate services, with the six webhooks in order', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Distributed', region: 'europe', webhookUrl: hooks.url('/distributed') });
    const { status, body } = await api.uploadFile(user, project.id, files.url('/good.zip'));
    expect(status).toBe(201);
    const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved' && f.live, 60_000);
    expect(file.label).toBe('Current Live Build');
    await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved', 15_000);
    expect(hooks.received.filter((d) => hook(d)?.uploadId === body.uploadId).map((d) => hook(d).event)).toEqual(HAPPY_PATH);
    expect(await storedEventTypes(body.uploadId)).toEqual(HAPPY_EVENTS);
  }, 90_000);

  it('resumes a build when the downloader is killed (SIGKILL) mid-download and started again: from where it stopped, nothing appended twice', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'slow.zip'), { name: 'Slow', fileCount: 120, pakSize: 3 * 1024 * 1024, seed: 'slow' });
    // A throttled download, so that the kill lands in the middle of the transfer.
    files.serveFile('/slow.zip', zip.path, { throttleBytesPerSecond: 1024 * 1024 });
    const project = await api.createProject(user.apiKey, { name: 'Crash', region: 'europe', webhookUrl: hooks.url('/crash') });
    const { body } = await api.uploadFile(user, project.id, files.url('/slow.zip'));
    await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Downloading Files', 30_000);
    await new Promise((r) => setTimeout(r, 700)); // well inside the transfer
    const downloader = processes.get('downloader')!;
    await downloader.kill();
    await downloader.start();

    // Approved, then live: the project's LiveBuildChanged follows the build's approval.
    const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved' && f.live, 90_000);
    expect(file.label).toBe('Current Live Build');
    // Started again after the crash, from the bytes the killed downloader had staged, not from byte 0.
    const gets = files.requests.filter((r) => r.url === '/slow.zip' && r.method === 'GET');
    expect(gets.length).toBeGreaterThanOrEqual(2);
    expect(gets[1].headers.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(gets[1].headers['if-range']).toEqual(expect.any(String));
    expect(gets[1].status).toBe(206);
    expect(await storedEventTypes(body.uploadId)).toEqual(HAPPY_EVENTS);
    await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved', 15_000);
    const events = hooks.received.filter((d) => hook(d)?.uploadId === body.uploadId).map((d) => hook(d).event);
    expect([...new Set(events)]).toEqual(HAPPY_PATH);
  }, 150_000);

  it('deleting a build while the downloader process transfers it aborts the transfer: connection closed, staging file gone, no more events', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'slow-delete.zip'), { name: 'Deleted', fileCount: 40, pakSize: 24 * 1024 * 1024, seed: 'slow-delete' });
    files.serveFile('/slow-delete.zip', zip.path, { throttleBytesPerSecond: 1024 * 1024 });
    const project = await api.createProject(user.apiKey, { name: 'Deleted', region: 'europe', webhookUrl: hooks.url('/deleted') });
    const { uploadId } = (await api.uploadFile(user, project.id, files.url('/slow-delete.zip'))).body;
    const staging = join(tmp, 'data', 'downloads', `${uploadId}.part`);
    for (const deadline = Date.now() + 30_000; !(existsSync(staging) && statSync(staging).size > 0); ) {
      if (Date.now() > deadline) throw new Error('the download never started');
      await new Promise((r) => setTimeout(r, 100));
    }

    expect((await api.call('DELETE', `/v1/builds/${uploadId}`, { bearer: user.apiKey })).status).toBe(204);
    const [transfer] = files.requests.filter((r) => r.url === '/slow-delete.zip');
    for (const deadline = Date.now() + 15_000; !transfer.closed || existsSync(staging); ) {
      if (Date.now() > deadline) throw new Error(`transfer closed: ${transfer.closed}, staging file there: ${existsSync(staging)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(transfer.completed).toBe(false);
    expect(transfer.bytesSent).toBeLessThan(zip.size / 2);
    expect(await storedEventTypes(uploadId)).toEqual(['BuildQueued', 'DownloadStarted', 'BuildDeleted']);
    expect(files.requests.filter((r) => r.url === '/slow-delete.zip')).toHaveLength(1);
    const events = hooks.received.filter((d) => hook(d)?.uploadId === uploadId).map((d) => hook(d).event);
    expect(HAPPY_PATH.slice(0, 2)).toEqual(expect.arrayContaining([...new Set(events)]));
  }, 90_000);

  it('resumes when the scanner and the webhook dispatcher are killed while a build is under way', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Crash 2', region: 'europe', webhookUrl: hooks.url('/crash2') });
    const scanner = processes.get('scanner')!;
    const dispatcher = processes.get('webhook-dispatcher')!;
    await scanner.kill();
    await dispatcher.kill();
    const { body } = await api.uploadFile(user, project.id, files.url('/good.zip'));
    await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Downloading Files' || f.status === 'Extracting & Scanning', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    await scanner.start();
    await dispatcher.start();
    await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved' && f.live, 60_000);
    expect(await storedEventTypes(body.uploadId)).toEqual(HAPPY_EVENTS);
    await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved', 20_000);
    const events = hooks.received.filter((d) => hook(d)?.uploadId === body.uploadId).map((d) => hook(d).event);
    expect([...new Set(events)]).toEqual(HAPPY_PATH);
  }, 120_000);

  it('keeps a distribution round\'s deadline across a distributor crash: the build is rejected (NO_WORKERS), not left in Distribute', async () => {
    // A worker agent that is healthy (it beats) but never reports a build ready: the round can only end at its deadline.
    const ghost = new JetStreamBus(nats, { prefix });
    const beat = () => ghost.broadcast<WorkerHeartbeat>(Subjects.workerHeartbeat, { workerId: 'ghost-us-east-1', region: 'us-east-1', capacity: 1, at: new Date().toISOString() });
    const sent: DistributeBuild[] = [];
    await ghost.subscribe<DistributeBuild>(Subjects.distributeToRegion('us-east-1'), { group: 'ghost-us-east-1' }, async ({ data }) => void sent.push(data));
    await beat();
    const heartbeat = setInterval(() => void beat(), 1000);
    try {
      const project = await api.createProject(user.apiKey, { name: 'Deadline', region: 'us-east-1' });
      const { body } = await api.uploadFile(user, project.id, files.url('/good.zip'));
      const { uploadId } = body;
      // The round went out to the region: the distributor holds it now, with nothing left to do until the deadline.
      const deadline = Date.now() + 60_000;
      while (!sent.some((d) => d.uploadId === uploadId)) {
        if (Date.now() > deadline) throw new Error('the round was never sent to the us-east-1 workers');
        await new Promise((r) => setTimeout(r, 100));
      }
      const distributor = processes.get('distributor')!;
      await distributor.kill();
      await distributor.start();

      const file = await api.waitForFile(user, project.id, uploadId, (f) => f.status === 'Reject', 60_000);
      expect(file).toMatchObject({ objection: 'No streaming servers available in region', objectionCode: 'NO_WORKERS', label: 'Validation Failed' });
      expect(file.reason).toMatch(/^0 of 1 worker\(s\) reported the build ready by \d{4}-/);
      const store = new JetStreamEventStore(nats, { prefix });
      const events = await store.readStream(`build-${uploadId}`);
      const started = events.find((e) => e.type === 'DistributionStarted')!.data as { at: string; quorum: number; deadline: string };
      expect(started).toMatchObject({ quorum: 1, deadline: new Date(Date.parse(started.at) + 12_000).toISOString() });
      expect(events.filter((e) => e.type === 'BuildRejected')).toHaveLength(1);
      expect((await api.project(user, project.id)).body.liveUploadId).toBeNull();
    } finally {
      clearInterval(heartbeat);
      await ghost.close();
    }
  }, 150_000);
});
