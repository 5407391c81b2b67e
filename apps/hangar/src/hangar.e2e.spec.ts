import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type HangarConfig } from '@hangar/config';
import { startEmbeddedHangar, startWorkerAgent, type RunningHangar } from '@hangar/system';
import { BuildMaterializer } from '@hangar/services/worker-agent';
import {
  HangarApiClient,
  seededBytes,
  startFileServer,
  startWebhookReceiver,
  writeNotAZip,
  writeUeBuildZip,
  type FileServer,
  type WebhookDelivery,
  type WebhookReceiver,
} from '@hangar/testing';

/**
 * An independent Standard Webhooks verifier, written from the spec: HMAC-SHA256 of `id.timestamp.body` keyed with the
 * base64-decoded secret; the header holds space-separated `v1,<base64>` signatures, any of which may match.
 */
function verifiesWith(secret: string, d: WebhookDelivery): boolean {
  const id = d.headers['webhook-id'] as string;
  const timestamp = d.headers['webhook-timestamp'] as string;
  if (!id || !/^\d+$/.test(timestamp ?? '') || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${d.rawBody.toString('utf8')}`).digest();
  return String(d.headers['webhook-signature'] ?? '')
    .split(' ')
    .some((sig) => sig.startsWith('v1,') && Buffer.from(sig.slice(3), 'base64').length === expected.length && timingSafeEqual(Buffer.from(sig.slice(3), 'base64'), expected));
}

/** A delivery's JSON body (the Streampixel envelope). */
const hook = (d: WebhookDelivery): any => d.body;

/** Polls `probe` until `done` holds (or fails after `timeoutMs`, naming `what` and the last value seen). */
async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

const ADMIN = 'e2e-admin-token';
const HAPPY_PATH = ['build.uploaded', 'build.downloading', 'build.extracting', 'build.saving', 'build.distributing', 'build.approved'];

function embeddedConfig(dataDir: string, env: Record<string, string> = {}): HangarConfig {
  return loadConfig(
    { HANGAR_DATA_DIR: dataDir, PORT: '0', HANGAR_ADMIN_TOKEN: ADMIN, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', HANGAR_LOG_LEVEL: 'error', HANGAR_RETRY_DELAYS_SECONDS: '0.2,0.5,1', HANGAR_DOWNLOAD_RETRY_DELAYS_SECONDS: '0.1,0.2,0.4', HANGAR_WEBHOOK_RETRY_SCHEDULE: '0.2,0.5,1', ...env },
    'embedded',
  );
}

describe('Hangar embedded (npm start), end to end', () => {
  let tmp: string;
  let hangar: RunningHangar;
  let files: FileServer;
  let hooks: WebhookReceiver;
  let api: HangarApiClient;
  let user: { userId: string; apiKey: string };
  let config: HangarConfig;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-e2e-'));
    files = await startFileServer();
    hooks = await startWebhookReceiver();
    const good = await writeUeBuildZip(join(tmp, 'good.zip'), { name: 'Demo', fileCount: 300, ueVersion: { major: 5, minor: 3, patch: 2 }, pixelStreaming: 'engine' });
    expect(good.fileCount).toBeGreaterThanOrEqual(300);
    files.serveFile('/builds/good.zip', good.path);
    files.serveFile('/builds/second.zip', (await writeUeBuildZip(join(tmp, 'second.zip'), { name: 'Demo', fileCount: 250, seed: 'second' })).path);
    files.serveFile('/builds/no-exe.zip', (await writeUeBuildZip(join(tmp, 'no-exe.zip'), { name: 'Demo', fileCount: 50, withoutExecutables: true })).path);
    // A byte of the stored pak changed after the zip was written: its data descriptor still ends it, its CRC-32 is wrong.
    files.serveFile('/builds/corrupt-pak.zip', (await writeUeBuildZip(join(tmp, 'corrupt-pak.zip'), { name: 'Demo', fileCount: 50, pakCompression: 'store', corruptEntry: 'pak' })).path);
    files.serveFile('/builds/login.zip', (await writeNotAZip(join(tmp, 'login.html'))).path);
    writeFileSync(join(tmp, 'random.zip'), seededBytes('e2e', 'random', 64 * 1024));
    files.serveFile('/builds/random.zip', join(tmp, 'random.zip'));

    config = embeddedConfig(join(tmp, 'data'));
    hangar = await startEmbeddedHangar(config);
    api = new HangarApiClient(hangar.url);
    user = await api.createUser(ADMIN);
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    await hooks?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const deliveriesOf = (uploadId: string) => hooks.received.filter((d) => hook(d)?.uploadId === uploadId);

  it('takes a UE build from its URL to Approved and live, firing the six webhooks in order', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Demo', region: 'europe', webhookUrl: hooks.url('/happy') });
    expect(project.id).toMatch(/^[0-9a-f]{24}$/);

    const upload = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    expect(upload.status).toBe(201);
    expect(upload.body).toEqual({ message: 'Build queued for processing', uploadId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const { uploadId } = upload.body;

    const file = await api.waitForFile(user, project.id, uploadId, (f) => f.status === 'Approved' && f.live);
    expect(file).toMatchObject({ _id: uploadId, url: files.url('/builds/good.zip'), status: 'Approved', objection: null, label: 'Current Live Build' });
    expect(file).toMatchObject({ projectName: 'Demo', ueVersion: '5.3.2', pixelStreaming: true });
    expect(file.fileCount).toBeGreaterThanOrEqual(300);

    await hooks.waitFor((d) => hook(d)?.uploadId === uploadId && hook(d)?.event === 'build.approved', 10_000);
    const deliveries = deliveriesOf(uploadId);
    expect(deliveries.map((d) => hook(d).event)).toEqual(HAPPY_PATH);
    expect(deliveries.map((d) => hook(d).status)).toEqual(['pending', 'Downloading Files', 'Extracting & Scanning', 'Saving to Repository', 'Distribute', 'Approved']);
    for (const d of deliveries) {
      expect(d.path).toBe('/happy');
      expect(d.headers['content-type']).toMatch(/application\/json/);
      expect(Object.keys(hook(d)).sort()).toEqual(['event', 'fileUrl', 'objection', 'projectId', 'status', 'timestamp', 'uploadId']);
      expect(hook(d)).toMatchObject({ projectId: project.id, uploadId, fileUrl: files.url('/builds/good.zip'), objection: null });
      expect(new Date(hook(d).timestamp).toISOString()).toBe(hook(d).timestamp);
    }

    // The europe worker agent has the build, materialised in full.
    const workerBuild = join(config.dataDir, 'workers', 'europe', 'builds', uploadId);
    expect(existsSync(join(workerBuild, 'Demo.exe'))).toBe(true);
    expect(existsSync(join(workerBuild, 'Demo', 'Binaries', 'Win64', 'Demo-Win64-Shipping.exe'))).toBe(true);
    // Local extraction (on in embedded mode): the worker moved the files the downloader extracted into place, and read
    // no chunk from the store; the extracted folder is gone with them.
    const records = readFileSync(join(config.dataDir, 'workers', 'europe', 'materializations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(records.find((r) => r.uploadId === uploadId)).toMatchObject({ adoptedFiles: file.fileCount, fetchedChunks: 0 });
    expect(existsSync(join(config.dataDir, 'extracted', uploadId))).toBe(false);

    const v1 = await api.call('GET', `/v1/builds/${uploadId}`, { bearer: user.apiKey });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ uploadId, status: 'Approved', live: true, label: 'Current Live Build' });
    expect(v1.body.timeline.map((t: any) => t.type)).toEqual([
      'BuildQueued', 'DownloadStarted', 'DownloadCompleted', 'ScanStarted', 'ScanPassed', 'SavingStarted', 'BuildStored', 'DistributionStarted', 'BuildReadyOnWorker', 'BuildApproved',
    ]);
    expect(v1.body.archive.sha256).toMatch(/^[0-9a-f]{64}$/);

    // A second build takes the live slot; the first becomes Archived.
    const second = await api.uploadFile(user, project.id, files.url('/builds/second.zip'));
    await api.waitForFile(user, project.id, second.body.uploadId, (f) => f.status === 'Approved' && f.live);
    const first = await api.waitForFile(user, project.id, uploadId, (f) => !f.live);
    expect(first).toMatchObject({ status: 'Approved', label: 'Archived' });
    const got = await api.project(user, project.id);
    expect(got.body.liveUploadId).toBe(second.body.uploadId);
  });

  it.each([
    ['a zip without an executable', '/builds/no-exe.zip', 'Missing executable', 'MISSING_EXECUTABLE'],
    ['a file that is not a zip', '/builds/random.zip', 'Archive could not be extracted', 'ARCHIVE_UNREADABLE'],
    ['a zip whose stored pak has other bytes than its CRC-32 says', '/builds/corrupt-pak.zip', 'Archive could not be extracted', 'ARCHIVE_UNREADABLE'],
    ['an HTML page instead of a zip', '/builds/login.zip', 'Failed to download file', 'DOWNLOAD_FAILED'],
    ['a URL that answers 404', '/builds/missing.zip', 'Failed to download file', 'DOWNLOAD_FAILED'],
  ])('rejects %s with the objection "%s"', async (_what, path, objection, code) => {
    const project = await api.createProject(user.apiKey, { name: 'Rejects', region: 'us-east-1', webhookUrl: hooks.url('/rejects') });
    const { body } = await api.uploadFile(user, project.id, files.url(path));
    const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Reject');
    expect(file).toMatchObject({ status: 'Reject', objection, objectionCode: code, label: 'Validation Failed' });
    expect(file.reason).toEqual(expect.any(String));
    const rejected = await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.rejected', 10_000);
    expect(hook(rejected[0])).toMatchObject({ status: 'Reject', objection });
    expect(deliveriesOf(body.uploadId).map((d) => hook(d).event)).not.toContain('build.distributing');
    // Nothing extracted for a local worker stays behind.
    await waitUntil(async () => existsSync(join(config.dataDir, 'extracted', body.uploadId)), (there) => !there, 'extracted files removed', 10_000);
  });

  it('with autoRelease off, stops after Saving to Repository (Archived) until distribute-file releases it', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Staged', region: 'asia-pacific', webhookUrl: hooks.url('/staged') });
    const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'), { autoRelease: false });
    const held = await api.waitForFile(user, project.id, body.uploadId, (f) => f.label === 'Archived');
    expect(held).toMatchObject({ status: 'Saving to Repository', live: false });
    await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.saving', 10_000);
    await new Promise((r) => setTimeout(r, 500)); // and nothing after it
    expect(deliveriesOf(body.uploadId).map((d) => hook(d).event)).toEqual(HAPPY_PATH.slice(0, 4));

    const distribute = await api.call('POST', '/pixelStripeApi/projects/distribute-file', {
      body: { apiKey: user.apiKey, userId: user.userId, projectId: project.id, uploadId: body.uploadId },
    });
    expect(distribute).toEqual({ status: 200, body: { message: 'Distribution triggered' } });
    await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved' && f.live);
    await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved', 10_000);
    expect(deliveriesOf(body.uploadId).map((d) => hook(d).event)).toEqual(HAPPY_PATH);
  });

  it("follows the project's autorelease toggle when the upload does not say", async () => {
    const project = await api.createProject(user.apiKey, { name: 'Toggle', region: 'europe' });
    const patched = await api.call('PATCH', `/v1/projects/${project.id}`, { bearer: user.apiKey, body: { autoRelease: false } });
    expect(patched.status).toBe(200);
    expect(patched.body.autoRelease).toBe(false);
    const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    const held = await api.waitForFile(user, project.id, body.uploadId, (f) => f.label === 'Archived');
    expect(held.status).toBe('Saving to Repository');
  });

  it('sends only the webhook events the project selected', async () => {
    const project = await api.createProject(user.apiKey, {
      name: 'Selective',
      region: 'europe',
      webhookUrl: hooks.url('/selective'),
      webhookEvents: ['build.uploaded', 'build.approved'],
    });
    const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved');
    await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved', 10_000);
    expect(deliveriesOf(body.uploadId).map((d) => hook(d).event)).toEqual(['build.uploaded', 'build.approved']);
  });

  it('retries a webhook the receiver failed, and still delivers in order', async () => {
    const flaky = await startWebhookReceiver();
    try {
      const project = await api.createProject(user.apiKey, { name: 'Flaky receiver', region: 'europe', webhookUrl: flaky.url('/flaky') });
      flaky.respondWith(503, { times: 2 });
      const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
      await flaky.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved' && d.status < 300, 30_000);
      const accepted = flaky.received.filter((d) => d.status < 300);
      expect(accepted.map((d) => hook(d).event)).toEqual(HAPPY_PATH);
      const refused = flaky.received.filter((d) => d.status >= 300);
      expect(refused.map((d) => hook(d).event)).toEqual(['build.uploaded', 'build.uploaded']);
    } finally {
      await flaky.close();
    }
  });

  it('signs every webhook with the project\'s secret (Standard Webhooks), shown once, rotated with an overlap', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Signed', region: 'europe', webhookUrl: hooks.url('/signed') });
    const secret: string = project.webhookSecret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect((await api.call('GET', `/v1/projects/${project.id}`, { bearer: user.apiKey })).body.webhookSecret).toBeUndefined();

    const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    const [uploaded] = await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId, 10_000);
    expect(verifiesWith(secret, uploaded)).toBe(true);
    expect(verifiesWith('whsec_' + Buffer.alloc(32, 7).toString('base64'), uploaded)).toBe(false);
    expect(uploaded.headers['webhook-id']).toBeTruthy();

    const test = async () => {
      await api.call('POST', '/pixelStripeApi/projects/test-webhook', { body: { apiKey: user.apiKey, userId: user.userId, projectId: project.id } });
      const tests = await hooks.waitFor((d) => d.path === '/signed' && hook(d)?.event === 'webhook.test');
      return tests[tests.length - 1];
    };
    expect(verifiesWith(secret, await test())).toBe(true);

    const rotated = await api.call('POST', `/v1/projects/${project.id}/webhook-secret/rotate`, { bearer: user.apiKey });
    expect(rotated.status).toBe(200);
    const next: string = rotated.body.webhookSecret;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    hooks.clear();
    const during = await test();
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(next, during)).toBe(true);
    expect(verifiesWith(secret, during)).toBe(true);

    // A project created without a URL gets its secret when a URL is first set, and keeps it when the URL changes.
    const quiet = await api.createProject(user.apiKey, { name: 'Quiet', region: 'europe' });
    expect(quiet.webhookSecret).toBeUndefined();
    const first = await api.call('PATCH', `/v1/projects/${quiet.id}`, { bearer: user.apiKey, body: { webhookUrl: hooks.url('/quiet') } });
    expect(first.body.webhookSecret).toMatch(/^whsec_/);
    const again = await api.call('PATCH', `/v1/projects/${quiet.id}`, { bearer: user.apiKey, body: { webhookUrl: hooks.url('/quiet2') } });
    expect(again.body.webhookSecret).toBeUndefined();
  });

  it('a failing endpoint delays only its own project: retries are scheduled per endpoint, with the same webhook-id', async () => {
    const down = await startWebhookReceiver();
    try {
      const stuck = await api.createProject(user.apiKey, { name: 'Down', region: 'europe', webhookUrl: down.url('/down') });
      down.respondWith(503, { times: 1000 });
      await api.uploadFile(user, stuck.id, files.url('/builds/good.zip'));
      await down.waitFor(2, 10_000);
      const healthy = await api.createProject(user.apiKey, { name: 'Healthy', region: 'europe', webhookUrl: hooks.url('/healthy') });
      const { body } = await api.uploadFile(user, healthy.id, files.url('/builds/good.zip'));
      // A bound for a hang, not a speed goal: two builds at once on a busy 2-core machine took over 30 s.
      await hooks.waitFor((d) => hook(d)?.uploadId === body.uploadId && hook(d)?.event === 'build.approved', 90_000);
      // The schedule here is 0.2, 0.5, 1 s: one try and three retries, with one webhook-id, before it is given up
      // (the healthy build may be approved before the last retry is due).
      const uploadedTries = () => down.received.filter((d) => hook(d).event === 'build.uploaded');
      await waitUntil(async () => uploadedTries().length, (n) => n >= 4, 'four tries of build.uploaded', 10_000);
      const uploaded = uploadedTries();
      expect(uploaded.length).toBe(4);
      expect(new Set(uploaded.map((d) => d.headers['webhook-id'])).size).toBe(1);
      expect(down.received.slice(0, 4)).toEqual(uploaded);
    } finally {
      await down.close();
    }
  }, 150_000);

  it('test-webhook answers as Streampixel does', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Hooked', region: 'europe', webhookUrl: hooks.url('/test') });
    const ok = await api.call('POST', '/pixelStripeApi/projects/test-webhook', { body: { apiKey: user.apiKey, userId: user.userId, projectId: project.id } });
    expect(ok).toEqual({ status: 200, body: { success: true, message: 'Test webhook delivered', statusCode: 200 } });
    const [test] = await hooks.waitFor((d) => d.path === '/test' && hook(d)?.event === 'webhook.test', 5000);
    expect(hook(test)).toMatchObject({ event: 'webhook.test', projectId: project.id, uploadId: null, fileUrl: null });

    hooks.respondWith(500, { times: 1 });
    const failing = await api.call('POST', '/pixelStripeApi/projects/test-webhook', { body: { apiKey: user.apiKey, userId: user.userId, projectId: project.id } });
    expect(failing.body).toEqual({ success: false, message: 'Webhook endpoint returned non-2xx status', statusCode: 500 });

    await api.call('PATCH', `/v1/projects/${project.id}`, { bearer: user.apiKey, body: { webhookUrl: 'http://127.0.0.1:1/nobody' } });
    const unreachable = await api.call('POST', '/pixelStripeApi/projects/test-webhook', { body: { apiKey: user.apiKey, userId: user.userId, projectId: project.id } });
    expect(unreachable.body).toMatchObject({ success: false, statusCode: 0 });

    const none = await api.createProject(user.apiKey, { name: 'No hook', region: 'europe' });
    const missing = await api.call('POST', '/pixelStripeApi/projects/test-webhook', { body: { apiKey: user.apiKey, userId: user.userId, projectId: none.id } });
    expect(missing).toEqual({ status: 404, body: { message: 'No webhook URL configured' } });
  });

  describe('downloading', () => {
    const buildOf = (uploadId: string) => api.call('GET', `/v1/builds/${uploadId}`, { bearer: user.apiKey });

    it('shows progress (bytes, percent, rate) on the API while a slow download runs, and none once it is done', async () => {
      const zip = await writeUeBuildZip(join(tmp, 'slow.zip'), { name: 'Demo', fileCount: 60, pakSize: 3 * 1024 * 1024, seed: 'progress' });
      files.serveFile('/builds/slow.zip', zip.path, { throttleBytesPerSecond: 2 * 1024 * 1024 });
      const project = await api.createProject(user.apiKey, { name: 'Progress', region: 'europe' });
      const { body } = await api.uploadFile(user, project.id, files.url('/builds/slow.zip'));

      const seen: any[] = [];
      const deadline = Date.now() + 30_000;
      while (seen.length < 2 && Date.now() < deadline) {
        const { body: build } = await buildOf(body.uploadId);
        if (build.progress && build.progress.bytes > (seen.at(-1)?.bytes ?? 0)) seen.push(build.progress);
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(seen).toHaveLength(2);
      expect(seen[0]).toMatchObject({ uploadId: body.uploadId, stage: 'download', totalBytes: zip.size });
      expect(seen[1].bytes).toBeGreaterThan(seen[0].bytes);
      expect(seen[1].percent).toBeGreaterThan(0);
      expect(seen[1].percent).toBeLessThanOrEqual(100);
      expect(seen[1].bytesPerSecond).toBeGreaterThan(0);

      await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved', 60_000);
      expect((await buildOf(body.uploadId)).body.progress).toBeNull();
    }, 90_000);

    it('resumes a transfer cut midway with a Range request, and the build goes on to Approved', async () => {
      files.serveFile('/builds/flaky.zip', join(tmp, 'good.zip'));
      files.cutConnectionAfter('/builds/flaky.zip', 100_000, { times: 1 });
      const project = await api.createProject(user.apiKey, { name: 'Flaky', region: 'europe' });
      const { body } = await api.uploadFile(user, project.id, files.url('/builds/flaky.zip'));
      await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved');
      const gets = files.requests.filter((r) => r.url === '/builds/flaky.zip');
      expect(gets.map((r) => r.headers.range)).toEqual([undefined, 'bytes=100000-']);
      expect((await buildOf(body.uploadId)).body.archive.sha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('checks the sha256 and size the uploader declared', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Declared', region: 'europe' });
      const upload = (extra: Record<string, unknown>) => api.uploadFile(user, project.id, files.url('/builds/good.zip'), extra);
      expect(await upload({ sha256: 'xyz' })).toEqual({ status: 400, body: { message: 'sha256 must be 64 hexadecimal digits' } });
      expect(await upload({ size: -1 })).toEqual({ status: 400, body: { message: 'size must not be negative' } });

      const wrong = 'ab'.repeat(32);
      const { body } = await upload({ sha256: wrong, size: 7 });
      const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Reject');
      expect(file).toMatchObject({ objection: 'Failed to download file', objectionCode: 'DOWNLOAD_FAILED' });
      expect(file.reason).toMatch(/^size mismatch: expected 7 bytes, got \d+$/);
    });

    it("enforces the project's size limit: a declared size at upload, the bytes while downloading", async () => {
      const project = await api.createProject(user.apiKey, { name: 'Small', region: 'europe', maxBuildBytes: 100_000 });
      expect(project.maxBuildBytes).toBe(100_000);
      const refused = await api.uploadFile(user, project.id, files.url('/builds/good.zip'), { size: 100_001 });
      expect(refused).toEqual({ status: 400, body: { message: "size 100001 is over the project's limit of 100000 bytes" } });

      const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
      const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Reject');
      expect(file.reason).toMatch(/^the file is \d+ bytes, over the limit of 100000 bytes/);

      const raised = await api.call('PATCH', `/v1/projects/${project.id}`, { bearer: user.apiKey, body: { maxBuildBytes: null } });
      expect(raised).toMatchObject({ status: 200, body: { maxBuildBytes: null } });
      const again = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
      await api.waitForFile(user, project.id, again.body.uploadId, (f) => f.status === 'Approved');
    });

    it('names a redirect to a sign-in page as the reason', async () => {
      files.serveLoginPage('/accounts/login');
      files.redirect('/share/build.zip', '/accounts/login?next=%2Fshare%2Fbuild.zip');
      const project = await api.createProject(user.apiKey, { name: 'Share', region: 'europe' });
      const { body } = await api.uploadFile(user, project.id, files.url('/share/build.zip'));
      const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Reject');
      expect(file.reason).toMatch(/redirected to a sign-in page at 127\.0\.0\.1:\d+/);
    });
  });

  describe('build management (/v1)', () => {
    const v1 = (method: string, path: string, body?: unknown, bearer = user.apiKey) => api.call(method, path, { bearer, body });
    const blobKeys = async (prefix: string) => {
      const keys: string[] = [];
      for await (const blob of hangar.infra.blobStore.list(prefix)) keys.push(blob.key);
      return keys;
    };
    const liveOf = (projectId: string) => v1('GET', `/v1/projects/${projectId}`).then((r) => r.body.liveUploadId as string | null);

    it('sets a build live and rolls back: the previous live build becomes Archived, the refused cases answer 409 or 404', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Rollback', region: 'europe' });
      const a = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, a, (f) => f.status === 'Approved' && f.live);
      const b = (await api.uploadFile(user, project.id, files.url('/builds/second.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, b, (f) => f.status === 'Approved' && f.live);

      const rollback = await v1('POST', `/v1/builds/${a}/live`);
      expect(rollback.status).toBe(202);
      expect(rollback.body).toMatchObject({ uploadId: a, projectId: project.id });
      await waitUntil(() => liveOf(project.id), (live) => live === a, 'rollback to A');
      expect((await v1('GET', `/v1/builds/${a}`)).body).toMatchObject({ status: 'Approved', live: true, label: 'Current Live Build' });
      expect((await v1('GET', `/v1/builds/${b}`)).body).toMatchObject({ status: 'Approved', live: false, label: 'Archived' });
      expect((await v1('GET', `/v1/builds/${a}`)).body.timeline.filter((t: any) => t.type === 'DistributionStarted')).toHaveLength(2);

      const rejected = (await api.uploadFile(user, project.id, files.url('/builds/no-exe.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, rejected, (f) => f.status === 'Reject');
      expect(await v1('POST', `/v1/builds/${rejected}/live`)).toMatchObject({ status: 409, body: { message: `cannot distribute build ${rejected}: it is Reject` } });
      expect((await v1('POST', '/v1/builds/0123456789abcdef01234567/live')).status).toBe(404);
      const stranger = await api.createUser(ADMIN, 'stranger');
      expect(await v1('POST', `/v1/builds/${a}/live`, undefined, stranger.apiKey)).toMatchObject({ status: 404, body: { message: `build ${a} not found` } });
    });

    it('50 simultaneous set-live calls leave one live build and a live history in one serial order', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Contended', region: 'europe' });
      const builds: string[] = [];
      for (const path of ['/builds/good.zip', '/builds/second.zip']) {
        const id = (await api.uploadFile(user, project.id, files.url(path))).body.uploadId;
        await api.waitForFile(user, project.id, id, (f) => f.status === 'Approved' && f.live);
        builds.push(id);
      }
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => v1('POST', `/v1/builds/${builds[i % 2]}/live`)));
      expect(answers.map((r) => r.status)).toEqual(Array(50).fill(202));

      const settled = await waitUntil(
        () => v1('GET', `/v1/projects/${project.id}/builds`).then((r) => r.body.items as any[]),
        (items) => items.every((b) => b.status === 'Approved') && items.filter((b) => b.live).length === 1,
        'one live build',
      );
      const live = settled.find((b) => b.live).uploadId;
      const changes = (await hangar.infra.eventStore.readStream(`project-${project.id}`)).filter((e) => e.type === 'LiveBuildChanged').map((e) => e.data as any);
      changes.forEach((c, i) => expect(c.previousUploadId).toBe(i === 0 ? null : changes[i - 1].uploadId));
      expect(changes.at(-1).uploadId).toBe(live);
      expect(await liveOf(project.id)).toBe(live);
    }, 90_000);

    it('tags builds and finds them by tag and text, with paging', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Tagged', region: 'europe' });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await api.uploadFile(user, project.id, files.url('/builds/good.zip'), { autoRelease: false })).body.uploadId);
      for (const id of ids) await api.waitForFile(user, project.id, id, (f) => f.label === 'Archived');

      expect((await v1('PUT', `/v1/builds/${ids[0]}/tag`, { tag: 'v1.2.0' })).status).toBe(204);
      expect((await v1('PUT', `/v1/builds/${ids[1]}/tag`, { tag: 'v1.2.0' })).status).toBe(204);
      expect((await v1('PUT', `/v1/builds/${ids[2]}/tag`, { tag: 'nightly' })).status).toBe(204);
      expect(await v1('PUT', `/v1/builds/${ids[2]}/tag`, { tag: 'x'.repeat(65) })).toMatchObject({ status: 400, body: { message: 'tag must be shorter than or equal to 64 characters' } });
      await waitUntil(() => v1('GET', `/v1/builds/${ids[2]}`).then((r) => r.body.tag), (tag) => tag === 'nightly', 'tag shown');
      const file = await api.waitForFile(user, project.id, ids[0], (f) => f.tag === 'v1.2.0');
      expect(file.tag).toBe('v1.2.0');

      const list = (query: Record<string, string>) => api.call('GET', `/v1/projects/${project.id}/builds`, { bearer: user.apiKey, query });
      const byTag = await list({ tag: 'v1.2.0' });
      expect(byTag.body.total).toBe(2);
      expect(byTag.body.items.map((b: any) => b.uploadId).sort()).toEqual([ids[0], ids[1]].sort());
      const paged = await list({ tag: 'v1.2.0', limit: '1', page: '2' });
      expect(paged.body).toMatchObject({ total: 2, page: 2, limit: 1 });
      expect(paged.body.items).toHaveLength(1);
      expect((await list({ q: 'NIGHT' })).body.items.map((b: any) => b.uploadId)).toEqual([ids[2]]);
      expect((await list({ q: ids[1].slice(-8) })).body.items.map((b: any) => b.uploadId)).toEqual([ids[1]]);
      expect((await list({ q: 'demo' })).body.total).toBe(3); // the Unreal project name from the scan report

      expect((await v1('PUT', `/v1/builds/${ids[2]}/tag`, { tag: null })).status).toBe(204);
      await waitUntil(() => list({ q: 'nightly' }).then((r) => r.body.total), (n) => n === 0, 'tag cleared');
    });

    it('copies an approved build to another project: Approved there with its six webhooks, no chunk stored again', async () => {
      const source = await api.createProject(user.apiKey, { name: 'Copy source', region: 'europe' });
      const original = (await api.uploadFile(user, source.id, files.url('/builds/good.zip'))).body.uploadId;
      await api.waitForFile(user, source.id, original, (f) => f.status === 'Approved' && f.live);
      const stored = (await v1('GET', `/v1/builds/${original}`)).body;
      expect(stored.storage).toMatchObject({ manifestKey: `manifests/${original}.json`, totalBytes: stored.scan.totalSize, newBytes: expect.any(Number), chunkCount: expect.any(Number), dedupRatio: expect.any(Number) });
      expect(stored.storage.chunkCount).toBeGreaterThan(0);
      // Chunked while it downloaded: the report beside the zip names exactly the manifest's chunks, which were adopted.
      const readJson = async (key: string) => {
        const parts: Buffer[] = [];
        for await (const part of await hangar.infra.blobStore.get(key)) parts.push(part as Buffer);
        return JSON.parse(Buffer.concat(parts).toString('utf8'));
      };
      const report = await readJson(`uploads/${original}/ingest-report.json`);
      expect(report).toMatchObject({ version: 1, complete: true });
      // Each byte stored once: the zip went once the build was stored and distributed; its report stays on record.
      await waitUntil(() => blobKeys(`uploads/${original}/`), (keys) => keys.length === 1 && keys[0].endsWith('/ingest-report.json'), 'zip released');
      const manifest = await readJson(`manifests/${original}.json`);
      const hashes = (files: { chunks: { hash: string }[] }[]) => new Set(files.flatMap((f) => f.chunks.map((c) => c.hash)));
      expect(hashes(manifest.files)).toEqual(hashes(report.entries));
      // Adopted, not chunked again: a second chunking would find every chunk present and count no new bytes.
      expect(stored.storage.newBytes).toBe(report.entries.reduce((sum: number, e: { newBytes: number }) => sum + e.newBytes, 0));
      const chunksBefore = await blobKeys('chunks/');

      const target = await api.createProject(user.apiKey, { name: 'Copy target', region: 'europe', webhookUrl: hooks.url('/copied') });
      const copy = await v1('POST', `/v1/builds/${original}/copy`, { projectId: target.id });
      expect(copy).toMatchObject({ status: 202, body: { uploadId: expect.stringMatching(/^[0-9a-f]{24}$/), projectId: target.id, copiedFrom: original } });
      const copyId = copy.body.uploadId;
      await api.waitForFile(user, target.id, copyId, (f) => f.status === 'Approved' && f.live);
      await hooks.waitFor((d) => hook(d)?.uploadId === copyId && hook(d)?.event === 'build.approved', 10_000);
      expect(deliveriesOf(copyId).map((d) => hook(d).event)).toEqual(HAPPY_PATH);
      expect(deliveriesOf(copyId).every((d) => d.path === '/copied' && hook(d).projectId === target.id)).toBe(true);

      const copied = (await v1('GET', `/v1/builds/${copyId}`)).body;
      expect(copied).toMatchObject({ projectId: target.id, status: 'Approved', live: true, scan: stored.scan });
      expect(copied.storage).toEqual({ ...stored.storage, manifestKey: `manifests/${copyId}.json`, newBytes: 0, dedupRatio: 1 });
      expect((await blobKeys('chunks/')).filter((key) => !chunksBefore.includes(key))).toEqual([]);
      expect(existsSync(join(config.dataDir, 'workers', 'europe', 'builds', copyId, 'Demo.exe'))).toBe(true);
      expect((await v1('GET', `/v1/builds/${original}`)).body).toMatchObject({ projectId: source.id, live: true });

      const rejected = (await api.uploadFile(user, source.id, files.url('/builds/no-exe.zip'))).body.uploadId;
      await api.waitForFile(user, source.id, rejected, (f) => f.status === 'Reject');
      expect((await v1('POST', `/v1/builds/${rejected}/copy`, { projectId: target.id })).status).toBe(409);
      expect((await v1('POST', '/v1/builds/0123456789abcdef01234567/copy', { projectId: target.id })).status).toBe(404);
    });

    it('deletes a build: not the live one; gone from lists and reads, its objects removed', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Deleting', region: 'europe' });
      const old = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, old, (f) => f.status === 'Approved' && f.live);
      const current = (await api.uploadFile(user, project.id, files.url('/builds/second.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, current, (f) => f.status === 'Approved' && f.live);
      expect(await blobKeys(`manifests/${old}.json`)).toEqual([`manifests/${old}.json`]);

      expect(await v1('DELETE', `/v1/builds/${current}`)).toMatchObject({ status: 409, body: { message: `build ${current} is live: set another build live first` } });
      expect((await v1('DELETE', `/v1/builds/${old}`)).status).toBe(204);
      expect((await v1('DELETE', `/v1/builds/${old}`)).status).toBe(204); // again: nothing more to do
      await waitUntil(() => v1('GET', `/v1/builds/${old}`).then((r) => r.status), (status) => status === 404, 'deleted build gone');
      expect((await v1('GET', `/v1/projects/${project.id}/builds`)).body.items.map((b: any) => b.uploadId)).toEqual([current]);
      await waitUntil(() => blobKeys(`manifests/${old}.json`).then((k) => k.length + 0), (n) => n === 0, 'manifest removed');
      await waitUntil(() => blobKeys(`uploads/${old}/`).then((k) => k.length + 0), (n) => n === 0, 'archive removed');
      // It was live once, so the region's worker held it: its folder goes from the machine too.
      const workerBuilds = join(config.dataDir, 'workers', 'europe', 'builds');
      await waitUntil(async () => existsSync(join(workerBuilds, old)), (there) => !there, 'worker folder removed');
      expect(existsSync(join(workerBuilds, current))).toBe(true);
      expect(await v1('POST', `/v1/builds/${old}/live`)).toMatchObject({ status: 409, body: { message: `build ${old} was deleted` } });
      expect(await blobKeys(`manifests/${current}.json`)).toEqual([`manifests/${current}.json`]);
    });

    it('collects garbage on demand for the admin: the chunks no manifest references are reclaimed, and reported', async () => {
      // Passes that earlier deletions asked for run first (each call waits for the pass under way and any it queued).
      for (let i = 0; i < 2; i++) expect((await api.call('POST', '/v1/admin/storage/gc', { bearer: ADMIN })).status).toBe(200);
      const orphan = Buffer.from('a chunk that no build references');
      const key = `chunks/${createHash('sha256').update(orphan).digest('hex')}`;
      await hangar.infra.blobStore.put(key, orphan, { size: orphan.length });
      expect((await api.call('POST', '/v1/admin/storage/gc', { bearer: user.apiKey })).status).toBe(401);

      const collected = await api.call('POST', '/v1/admin/storage/gc', { bearer: ADMIN });
      expect(collected.status).toBe(200);
      expect(collected.body).toMatchObject({ deletedChunks: 1, deletedBytes: orphan.length, stoppedEarly: false });
      expect(Date.parse(collected.body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(collected.body.startedAt));
      expect(await blobKeys(key)).toEqual([]);
      expect((await api.call('POST', '/v1/admin/storage/gc', { bearer: ADMIN })).body).toMatchObject({ deletedChunks: 0, deletedBytes: 0 });
    });

    it('deleting a build while it downloads aborts the transfer: connection closed, staging file gone, no more events or webhooks', async () => {
      // Big and slow: the whole transfer would take about 24 s.
      const zip = await writeUeBuildZip(join(tmp, 'slow-delete.zip'), { name: 'Demo', fileCount: 40, pakSize: 24 * 1024 * 1024, seed: 'delete' });
      files.serveFile('/builds/slow-delete.zip', zip.path, { throttleBytesPerSecond: 1024 * 1024 });
      const project = await api.createProject(user.apiKey, { name: 'Cancelled', region: 'europe', webhookUrl: hooks.url('/cancelled') });
      const { uploadId } = (await api.uploadFile(user, project.id, files.url('/builds/slow-delete.zip'))).body;
      await waitUntil(() => v1('GET', `/v1/builds/${uploadId}`).then((r) => r.body.progress?.bytes ?? 0), (bytes) => bytes > 0, 'download progress');
      const staging = join(config.dataDir, 'downloads', `${uploadId}.part`);
      expect(existsSync(staging)).toBe(true);

      expect((await v1('DELETE', `/v1/builds/${uploadId}`)).status).toBe(204);
      const webhooksAtDeletion = deliveriesOf(uploadId).length;
      const [transfer] = files.requests.filter((r) => r.url === '/builds/slow-delete.zip');
      await waitUntil(async () => transfer.closed, (closed) => closed, 'the server sees the connection closed', 10_000);
      expect(transfer.completed).toBe(false);
      expect(transfer.bytesSent).toBeLessThan(zip.size / 2);
      await waitUntil(async () => existsSync(staging), (there) => !there, 'staging file removed', 10_000);

      const events = (await hangar.infra.eventStore.readStream(`build-${uploadId}`)).map((e) => e.type);
      expect(events).toEqual(['BuildQueued', 'DownloadStarted', 'BuildDeleted']);
      // The two statuses it entered before the deletion, and nothing after.
      expect(webhooksAtDeletion).toBeLessThanOrEqual(2);
      expect(deliveriesOf(uploadId).map((d) => hook(d).event)).toEqual(HAPPY_PATH.slice(0, 2));
      expect((await v1('GET', `/v1/builds/${uploadId}`)).status).toBe(404);
      expect(files.requests.filter((r) => r.url === '/builds/slow-delete.zip')).toHaveLength(1); // no retry after the abort
      await waitUntil(() => blobKeys(`uploads/${uploadId}/`).then((k) => k.length + 0), (n) => n === 0, 'archive removed');
      expect(await blobKeys(`builds/${uploadId}/`)).toEqual([]);
      expect(await blobKeys(`manifests/${uploadId}.json`)).toEqual([]);
    }, 60_000);
  });

  describe('worker agents: sanity check and catch-up', () => {
    const v1 = (method: string, path: string, body?: unknown) => api.call(method, path, { bearer: user.apiKey, body });

    it('rejects a build whose sanity check fails on the worker ("Validation failed on worker"), approves one whose check passes', async () => {
      const failing = { command: ['sh', '-c', 'echo no GPU here >&2; exit 3'], timeoutSeconds: 30 };
      const project = await api.createProject(user.apiKey, { name: 'Checked', region: 'europe', webhookUrl: hooks.url('/checked'), sanityCheck: failing });
      expect(project.sanityCheck).toEqual(failing);
      const bad = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      const rejected = await api.waitForFile(user, project.id, bad, (f) => f.status === 'Reject');
      expect(rejected).toMatchObject({ objection: 'Validation failed on worker', objectionCode: 'WORKER_VALIDATION_FAILED', label: 'Validation Failed' });
      expect(rejected.reason).toBe('worker local-europe: sh exited with code 3; output: no GPU here');
      await hooks.waitFor((d) => hook(d)?.uploadId === bad && hook(d)?.event === 'build.rejected', 10_000);
      expect(deliveriesOf(bad).map((d) => hook(d).event)).toEqual([...HAPPY_PATH.slice(0, 5), 'build.rejected']);

      // {exe} is the build's executable on the worker, run without a shell in the build folder.
      const passing = { command: ['test', '-f', '{exe}'], timeoutSeconds: 30 };
      expect((await v1('PATCH', `/v1/projects/${project.id}`, { sanityCheck: passing })).body.sanityCheck).toEqual(passing);
      const good = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      expect(await api.waitForFile(user, project.id, good, (f) => f.status === 'Approved' && f.live)).toMatchObject({ label: 'Current Live Build' });
      expect((await v1('PATCH', `/v1/projects/${project.id}`, { sanityCheck: null })).body.sanityCheck).toBeNull();
    });

    it('a set-live whose round fails on the workers returns the build to Approved (not Reject); the live build stays live', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Failed rollback', region: 'europe', webhookUrl: hooks.url('/failed-rollback') });
      const good = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, good, (f) => f.status === 'Approved' && f.live);
      const current = (await api.uploadFile(user, project.id, files.url('/builds/second.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, current, (f) => f.status === 'Approved' && f.live);

      // The workers now refuse every build: rolling back to the good one fails its round.
      const failing = { command: ['sh', '-c', 'echo driver crashed >&2; exit 4'], timeoutSeconds: 30 };
      expect((await v1('PATCH', `/v1/projects/${project.id}`, { sanityCheck: failing })).status).toBe(200);
      expect((await v1('POST', `/v1/builds/${good}/live`)).status).toBe(202);
      const failure = await hooks.waitFor((d) => hook(d)?.uploadId === good && hook(d)?.event === 'build.redistribution_failed', 30_000);
      expect(hook(failure[0])).toMatchObject({ projectId: project.id, status: 'Approved', objection: 'Validation failed on worker' });

      const after = await waitUntil(() => v1('GET', `/v1/builds/${good}`).then((r) => r.body), (b) => b.status === 'Approved' && !b.goingLive, 'back to Approved');
      expect(after).toMatchObject({ status: 'Approved', live: false, label: 'Archived', objection: null, objectionCode: null });
      expect(after.timeline.at(-1)).toMatchObject({
        type: 'RedistributionFailed',
        status: 'Approved',
        failure: { code: 'WORKER_VALIDATION_FAILED', objection: 'Validation failed on worker', reason: 'worker local-europe: sh exited with code 4; output: driver crashed' },
      });
      expect((await api.project(user, project.id)).body.files.find((f: any) => f._id === good)).toMatchObject({ status: 'Approved', objection: null });
      expect((await v1('GET', `/v1/projects/${project.id}`)).body.liveUploadId).toBe(current);
      expect((await v1('GET', `/v1/builds/${current}`)).body).toMatchObject({ status: 'Approved', live: true, label: 'Current Live Build' });
      expect(deliveriesOf(good).map((d) => hook(d).event)).toEqual([...HAPPY_PATH, 'build.distributing', 'build.redistribution_failed']);

      // Once the workers accept it again, the same build goes live.
      expect((await v1('PATCH', `/v1/projects/${project.id}`, { sanityCheck: null })).status).toBe(200);
      expect((await v1('POST', `/v1/builds/${good}/live`)).status).toBe(202);
      await waitUntil(() => v1('GET', `/v1/projects/${project.id}`).then((r) => r.body.liveUploadId), (live) => live === good, 'the good build live');
    });

    it('fails a sanity check that runs past its timeout, and refuses a malformed one', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Hangs', region: 'europe', sanityCheck: { command: ['sleep', '60'], timeoutSeconds: 1 } });
      const uploadId = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      const file = await api.waitForFile(user, project.id, uploadId, (f) => f.status === 'Reject');
      expect(file).toMatchObject({ objectionCode: 'WORKER_VALIDATION_FAILED', reason: 'worker local-europe: sleep timed out after 1 s' });
      expect(await v1('PATCH', `/v1/projects/${project.id}`, { sanityCheck: { command: [], timeoutSeconds: 5 } })).toMatchObject({ status: 400 });
      expect(await v1('PATCH', `/v1/projects/${project.id}`, { sanityCheck: { command: ['x'], timeoutSeconds: 0 } })).toMatchObject({ status: 400 });
    });

    it('a worker that joins later gets the live build of every project in its region, not the old distributions', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Joined later', region: 'asia-pacific' });
      const archived = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, archived, (f) => f.status === 'Approved' && f.live);
      const live = (await api.uploadFile(user, project.id, files.url('/builds/second.zip'))).body.uploadId;
      await api.waitForFile(user, project.id, live, (f) => f.status === 'Approved' && f.live);

      const dir = join(tmp, 'late-worker');
      const late = await startWorkerAgent(hangar.infra, { id: 'late-asia-pacific', region: 'asia-pacific', dir, capacity: 1, cacheBytes: 10 * 1024 ** 3 });
      try {
        await waitUntil(async () => existsSync(join(dir, 'builds', live)), (there) => there, 'live build on the late worker');
        // Both builds went out to the region before the worker existed: only the live one is materialised.
        expect(existsSync(join(dir, 'builds', archived))).toBe(false);

        // From now on it takes the region's distributions: a rollback reaches it.
        expect((await v1('POST', `/v1/builds/${archived}/live`)).status).toBe(202);
        await waitUntil(async () => existsSync(join(dir, 'builds', archived)), (there) => there, 'rolled-back build on the late worker');
      } finally {
        await late.close();
      }
    });
  });

  describe('webhook delivery log, resend, re-enable and replay (/v1)', () => {
    const v1 = (method: string, path: string, body?: unknown, bearer = user.apiKey) => api.call(method, path, { bearer, body });
    const log = (projectId: string, query = '') => v1('GET', `/v1/projects/${projectId}/webhook-deliveries${query}`).then((r) => r.body);
    const endpointOf = (projectId: string) => v1('GET', `/v1/projects/${projectId}`).then((r) => r.body.webhookEndpoint);

    it('logs every attempt, and a resend after the receiver recovers delivers with the same webhook-id', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const project = await api.createProject(user.apiKey, { name: 'Resend', region: 'europe', webhookUrl: receiver.url('/resend'), webhookEvents: ['build.uploaded'] });
        receiver.respondWith(500, { times: 4, body: 'down for maintenance' });
        const { body } = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
        // The schedule here is 0.2, 0.5, 1 s: one try and three retries, then the delivery is given up.
        const givenUp = await waitUntil(() => log(project.id), (l) => l.items[0]?.state === 'given-up', 'the delivery given up', 15_000);
        expect(givenUp).toMatchObject({ page: 1, limit: 20, total: 1, endpoint: { state: 'enabled', disabledAt: null, reason: null } });
        const [delivery] = givenUp.items;
        expect(delivery).toMatchObject({ event: 'build.uploaded', uploadId: body.uploadId, nextAttemptAt: null, replayId: null, replayOf: null });
        expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode, a.responseExcerpt])).toEqual([1, 2, 3, 4].map((n) => [n, 500, 'down for maintenance']));
        for (const a of delivery.attempts) expect(Object.keys(a).sort()).toEqual(['at', 'attempt', 'error', 'latencyMs', 'responseExcerpt', 'statusCode']);
        expect(delivery.attempts.every((a: any) => typeof a.latencyMs === 'number' && !Number.isNaN(Date.parse(a.at)))).toBe(true);
        expect(new Set(receiver.received.map((d) => d.headers['webhook-id']))).toEqual(new Set([delivery.id]));
        expect((await log(project.id, '?state=succeeded')).items).toEqual([]);

        const resent = await v1('POST', `/v1/projects/${project.id}/webhook-deliveries/${delivery.id}/resend`);
        expect(resent).toEqual({ status: 202, body: { deliveryId: delivery.id } });
        const [ok] = await receiver.waitFor((d) => d.status === 200, 10_000);
        expect(ok.headers['webhook-id']).toBe(delivery.id);
        expect(hook(ok)).toMatchObject({ event: 'build.uploaded', uploadId: body.uploadId });
        const after = await waitUntil(() => log(project.id), (l) => l.items[0]?.state === 'succeeded', 'the resent delivery logged');
        expect(after.items[0].attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 500, 200]);

        // Owner only; unknown project and delivery are 404, someone else's project 403.
        const other = await api.createUser(ADMIN, 'someone else');
        expect((await v1('GET', `/v1/projects/${project.id}/webhook-deliveries`, undefined, other.apiKey)).status).toBe(403);
        expect((await v1('POST', `/v1/projects/${project.id}/webhook-deliveries/${delivery.id}/resend`, undefined, other.apiKey)).status).toBe(403);
        expect((await v1('GET', '/v1/projects/0123456789abcdef01234567/webhook-deliveries')).status).toBe(404);
        expect((await v1('POST', `/v1/projects/${project.id}/webhook-deliveries/nope/resend`)).status).toBe(404);
        expect((await api.call('GET', `/v1/projects/${project.id}/webhook-deliveries`)).status).toBe(401);
      } finally {
        await receiver.close();
      }
    });

    it('a disabled endpoint shows on the project, and is enabled again by the API or by a new URL', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const project = await api.createProject(user.apiKey, { name: 'Gone', region: 'europe', webhookUrl: receiver.url('/gone'), webhookEvents: ['build.uploaded', 'build.approved'] });
        receiver.respondWith(410, { times: 1 });
        const first = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
        const disabled = await waitUntil(() => endpointOf(project.id), (e) => e?.state === 'disabled', 'the endpoint disabled');
        expect(disabled).toEqual({ state: 'disabled', disabledAt: expect.any(String), reason: 'the endpoint answered 410 Gone' });
        expect((await log(project.id)).endpoint).toEqual(disabled);
        await api.waitForFile(user, project.id, first, (f) => f.status === 'Approved');
        // Approved is scheduled, but nothing goes to a disabled endpoint, and resending to it is refused.
        await new Promise((r) => setTimeout(r, 500));
        expect(receiver.received.map((d) => hook(d).event)).toEqual(['build.uploaded']);
        const [uploaded] = (await log(project.id)).items.filter((d: any) => d.event === 'build.uploaded');
        expect(uploaded.state).toBe('given-up');
        expect((await v1('POST', `/v1/projects/${project.id}/webhook-deliveries/${uploaded.id}/resend`)).status).toBe(409);

        const enabled = await v1('POST', `/v1/projects/${project.id}/webhook-endpoint/enable`);
        expect(enabled).toEqual({ status: 200, body: { webhookEndpoint: { state: 'enabled', disabledAt: null, reason: null } } });
        await receiver.waitFor((d) => hook(d).uploadId === first && hook(d).event === 'build.approved', 10_000);
        await waitUntil(() => endpointOf(project.id), (e) => e?.state === 'enabled', 'the project shows the endpoint enabled');

        receiver.respondWith(410, { times: 1 });
        const second = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body.uploadId;
        await waitUntil(() => endpointOf(project.id), (e) => e?.state === 'disabled', 'the endpoint disabled again');
        await api.waitForFile(user, project.id, second, (f) => f.status === 'Approved');
        expect((await v1('PATCH', `/v1/projects/${project.id}`, { webhookUrl: receiver.url('/moved') })).status).toBe(200);
        const [moved] = await receiver.waitFor((d) => d.path === '/moved' && hook(d).uploadId === second && hook(d).event === 'build.approved', 10_000);
        expect(moved.status).toBe(200);
        await waitUntil(() => endpointOf(project.id), (e) => e?.state === 'enabled', 'the endpoint enabled by the new URL');
      } finally {
        await receiver.close();
      }
    });

    it('replays the build events since a time or after a position as new, marked deliveries, in order', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const project = await api.createProject(user.apiKey, { name: 'Replay', region: 'europe', webhookUrl: receiver.url('/replay') });
        const before = new Date().toISOString();
        const { uploadId } = (await api.uploadFile(user, project.id, files.url('/builds/good.zip'))).body;
        await receiver.waitFor((d) => hook(d).uploadId === uploadId && hook(d).event === 'build.approved', 30_000);
        const originals = receiver.received.slice();
        expect(originals.map((d) => hook(d).event)).toEqual(HAPPY_PATH);
        expect(originals.every((d) => d.headers['webhook-replay'] === undefined)).toBe(true);

        expect((await v1('POST', `/v1/projects/${project.id}/webhooks/replay`, {})).status).toBe(400);
        expect((await v1('POST', `/v1/projects/${project.id}/webhooks/replay`, { since: 'yesterday' })).status).toBe(400);
        const replay = await v1('POST', `/v1/projects/${project.id}/webhooks/replay`, { since: before });
        expect(replay).toEqual({ status: 202, body: { replayId: expect.stringMatching(/^[0-9a-f]{24}$/) } });
        const replayed = (await receiver.waitFor(12, 15_000)).slice(6);
        expect(replayed.map((d) => hook(d).event)).toEqual(HAPPY_PATH);
        expect(replayed.map((d) => hook(d))).toEqual(originals.map((d) => hook(d)));
        for (const d of replayed) expect(d.headers['webhook-replay']).toBe('true');
        const originalIds = originals.map((d) => d.headers['webhook-id']);
        expect(replayed.map((d) => d.headers['webhook-id']).filter((id) => originalIds.includes(id))).toEqual([]);
        const logged = await waitUntil(() => log(project.id, '?limit=100'), (l) => l.items.filter((d: any) => d.state === 'succeeded').length === 12, 'the replay logged');
        const replays = logged.items.filter((d: any) => d.replayId === replay.body.replayId).reverse();
        expect(replays.map((d: any) => d.replayOf)).toEqual(originalIds);

        // After a position (here the build's BuildQueued, as its timeline shows): the later statuses only.
        const timeline = (await v1('GET', `/v1/builds/${uploadId}`)).body.timeline;
        const byPosition = await v1('POST', `/v1/projects/${project.id}/webhooks/replay`, { after: timeline[0].position });
        expect(byPosition.status).toBe(202);
        const again = (await receiver.waitFor(17, 15_000)).slice(12);
        expect(again.map((d) => hook(d).event)).toEqual(HAPPY_PATH.slice(1));
        expect((await log(project.id, '?page=2&limit=5')).items).toHaveLength(5);
      } finally {
        await receiver.close();
      }
    });
  });

  describe('the Streampixel-compatible API', () => {
    it('answers errors with {"message"} and the documented statuses', async () => {
      const project = await api.createProject(user.apiKey, { name: 'Errors', region: 'europe' });
      const other = await api.createUser(ADMIN, 'other studio');
      const upload = (body: Record<string, unknown>) => api.call('POST', '/pixelStripeApi/projects/upload-file', { body });
      const base = { apiKey: user.apiKey, userId: user.userId, projectId: project.id, fileUrl: files.url('/builds/good.zip') };

      expect(await upload({ ...base, fileUrl: undefined })).toEqual({ status: 400, body: { message: 'Missing required field: fileUrl' } });
      expect(await upload({ ...base, fileUrl: 'not a url' })).toEqual({ status: 400, body: { message: 'fileUrl must be an http or https URL' } });
      expect(await upload({ ...base, apiKey: `hgr_${user.userId}_${'x'.repeat(43)}` })).toEqual({ status: 401, body: { message: 'Unauthorized: Invalid API Key' } });
      expect(await upload({ ...base, userId: '0123456789abcdef01234567' })).toEqual({ status: 401, body: { message: 'Invalid User' } });
      expect(await upload({ ...base, projectId: '0123456789abcdef01234567' })).toEqual({ status: 404, body: { message: 'Project not found' } });
      expect(await upload({ ...base, apiKey: other.apiKey, userId: other.userId })).toEqual({
        status: 403,
        body: { message: 'Forbidden: project does not belong to this user' },
      });
      const distribute = await api.call('POST', '/pixelStripeApi/projects/distribute-file', {
        body: { apiKey: user.apiKey, userId: user.userId, projectId: project.id, uploadId: '0123456789abcdef01234567' },
      });
      expect(distribute).toEqual({ status: 404, body: { message: 'File not found in project' } });
      const noKey = await api.call('GET', `/pixelStripeApi/projects/${project.id}`, { query: { userId: user.userId } });
      expect(noKey).toEqual({ status: 400, body: { message: 'Missing required field: apikey' } });
      const stats = await api.call('GET', `/pixelStripeApi/projects/userStats/${project.id}`, { query: { userId: user.userId, apikey: user.apiKey } });
      expect(stats).toEqual({ status: 200, body: { liveUser: 0, queueUser: 0 } });
    });

    it('lists projects in both documented shapes', async () => {
      const lister = await api.createUser(ADMIN, 'lister');
      const a = await api.createProject(lister.apiKey, { name: 'A', region: 'europe' });
      const b = await api.createProject(lister.apiKey, { name: 'B', region: 'us-east-1' });
      const q = { userId: lister.userId, apikey: lister.apiKey };
      const waitForList = async () => {
        for (let i = 0; i < 100; i++) {
          const res = await api.call('GET', '/pixelStripeApi/projects', { query: q });
          if (res.body.totalProjects === 2) return res;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('projects never listed');
      };
      const list = await waitForList();
      expect(list.body).toMatchObject({ page: 1, totalPages: 1, totalProjects: 2 });
      expect(list.body.projects.map((p: any) => p.id).sort()).toEqual([a.id, b.id].sort());
      const status = await api.call('GET', '/pixelStripeApi/projects/projects-status', { query: q });
      expect(status.body.totalProjects).toBe(2);
      expect(status.body.projects[0]).toEqual({ _id: expect.any(String), name: expect.any(String), status: true, subscriptionStatus: 'active' });
    });
  });

  it('guards the admin API and stores no API key in the clear', async () => {
    expect((await api.call('POST', '/v1/admin/users', { body: { name: 'x' } })).status).toBe(401);
    expect((await api.call('POST', '/v1/admin/users', { bearer: 'wrong', body: { name: 'x' } })).status).toBe(401);
    const created = await api.call('POST', '/v1/admin/users', { bearer: ADMIN, body: { name: 'keys' } });
    expect(created.status).toBe(201);
    const events = await hangar.infra.eventStore.readStream(`user-${created.body.userId}`);
    const stored = JSON.stringify(events, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
    expect(stored).toContain('apiKeyHash');
    expect(stored).not.toContain(created.body.apiKey);
    // The secret part (`hgr_<userId>_<secret>`; base64url may itself hold `_`): not even that is stored.
    expect(stored).not.toContain(created.body.apiKey.split('_').slice(2).join('_'));
  });
});

describe('Hangar embedded: restarts and network policy', () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), 'hangar-e2e-restart-'))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('keeps its data across restarts', async () => {
    const config = embeddedConfig(join(tmp, 'data'));
    let hangar = await startEmbeddedHangar(config);
    let api = new HangarApiClient(hangar.url);
    const user = await api.createUser(ADMIN);
    const project = await api.createProject(user.apiKey, { name: 'Durable', region: 'europe' });
    await hangar.close();

    hangar = await startEmbeddedHangar(config);
    try {
      api = new HangarApiClient(hangar.url);
      const again = await api.call('GET', `/v1/projects/${project.id}`, { bearer: user.apiKey });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: project.id, name: 'Durable' });
    } finally {
      await hangar.close();
    }
  });

  it("keeps a distribution round's deadline across a restart: rejected (NO_WORKERS) at the deadline, not left in Distribute", async () => {
    const files = await startFileServer();
    // A round that cannot end by itself: the worker's sanity check outlasts the distribution deadline.
    const config = embeddedConfig(join(tmp, 'deadline'), { HANGAR_DISTRIBUTION_TIMEOUT_SECONDS: '5' });
    let hangar = await startEmbeddedHangar(config);
    try {
      files.serveFile('/b.zip', (await writeUeBuildZip(join(tmp, 'deadline.zip'), { name: 'Demo', fileCount: 30, seed: 'deadline' })).path);
      let api = new HangarApiClient(hangar.url);
      const user = await api.createUser(ADMIN);
      const project = await api.createProject(user.apiKey, { name: 'Deadline', region: 'europe', sanityCheck: { command: ['sleep', '60'], timeoutSeconds: 60 } });
      const { uploadId } = (await api.uploadFile(user, project.id, files.url('/b.zip'))).body;
      await api.waitForFile(user, project.id, uploadId, (f) => f.status === 'Distribute');
      const events = () => hangar.infra.eventStore.readStream(`build-${uploadId}`);
      // The round went out (the worker is running the check) before the restart.
      await waitUntil(async () => existsSync(join(config.dataDir, 'workers', 'europe', 'builds', uploadId)), (there) => there, 'build on the worker');
      // Stored, and its zip still there while the round runs: it goes when the round ends (deleting a GiB held the
      // filesystem while the worker moved the build's files into place).
      const zipKey = `uploads/${uploadId}/source.zip`;
      expect(await hangar.infra.blobStore.stat(zipKey)).not.toBeNull();
      await hangar.close();

      hangar = await startEmbeddedHangar(config);
      api = new HangarApiClient(hangar.url);
      const file = await api.waitForFile(user, project.id, uploadId, (f) => f.status === 'Reject', 40_000);
      expect(file).toMatchObject({ objectionCode: 'NO_WORKERS', objection: 'No streaming servers available in region', label: 'Validation Failed' });
      expect(file.reason).toMatch(/^0 of 1 worker\(s\) reported the build ready by /);
      expect((await events()).filter((e) => e.type === 'BuildRejected')).toHaveLength(1);
      await waitUntil(() => hangar.infra.blobStore.stat(zipKey), (info) => info === null, 'zip released once the round ended');
    } finally {
      await hangar.close();
      await files.close();
    }
  }, 90_000);

  it('generates an admin token at first start when none is set, and keeps only its hash', async () => {
    const config = { ...embeddedConfig(join(tmp, 'generated')), adminToken: null };
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
      printed.push(String(chunk));
      return write(chunk, ...rest);
    });
    let hangar: RunningHangar | null = null;
    try {
      hangar = await startEmbeddedHangar(config);
      const token = /hga_[A-Za-z0-9_-]+/.exec(printed.join(''))?.[0];
      expect(token).toBeDefined();
      const api = new HangarApiClient(hangar.url);
      expect((await api.call('POST', '/v1/admin/users', { bearer: token, body: { name: 'ops' } })).status).toBe(201);
      await hangar.close();
      printed.length = 0;
      hangar = await startEmbeddedHangar(config);
      expect(printed.join('')).not.toContain('hga_');
      expect((await new HangarApiClient(hangar.url).call('POST', '/v1/admin/users', { bearer: token, body: { name: 'ops2' } })).status).toBe(201);
    } finally {
      spy.mockRestore();
      await hangar?.close();
    }
  });

  it('refuses a fileUrl or webhook on a private network unless HANGAR_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const hangar = await startEmbeddedHangar(embeddedConfig(join(tmp, 'strict'), { HANGAR_ALLOW_PRIVATE_NETWORKS: 'false' }));
    try {
      const api = new HangarApiClient(hangar.url);
      const user = await api.createUser(ADMIN);
      const refused = await api.call('POST', '/v1/projects', { bearer: user.apiKey, body: { name: 'x', region: 'europe', webhookUrl: 'http://127.0.0.1:9/hook' } });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/webhookUrl refused/);
      const project = await api.createProject(user.apiKey, { name: 'Strict', region: 'europe' });
      for (const url of ['http://127.0.0.1/b.zip', 'http://10.0.0.8/b.zip', 'http://169.254.169.254/latest', 'http://[::1]/b.zip', 'http://2130706433/b.zip']) {
        const res = await api.uploadFile(user, project.id, url);
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/fileUrl refused/);
      }
    } finally {
      await hangar.close();
    }
  });
});

describe('Hangar embedded: the archive tier', () => {
  let tmp: string;
  let hangar: RunningHangar;
  let files: FileServer;
  let hooks: WebhookReceiver;
  let api: HangarApiClient;
  let user: { userId: string; apiKey: string };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-e2e-archive-'));
    files = await startFileServer();
    hooks = await startWebhookReceiver();
    files.serveFile('/a.zip', (await writeUeBuildZip(join(tmp, 'a.zip'), { name: 'Demo', fileCount: 60, seed: 'archive-a' })).path);
    files.serveFile('/b.zip', (await writeUeBuildZip(join(tmp, 'b.zip'), { name: 'Demo', fileCount: 60, seed: 'archive-b' })).path);
    // Builds not live for 2 s go cold; the repository looks every second.
    hangar = await startEmbeddedHangar(embeddedConfig(join(tmp, 'data'), { HANGAR_ARCHIVE_AFTER_SECONDS: '2', HANGAR_ARCHIVE_SWEEP_SECONDS: '1' }));
    api = new HangarApiClient(hangar.url);
    user = await api.createUser(ADMIN);
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    await hooks?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const keys = async (prefix: string) => {
    const found: string[] = [];
    for await (const blob of hangar.infra.blobStore.list(prefix)) found.push(blob.key);
    return found;
  };
  const v1 = (method: string, path: string) => api.call(method, path, { bearer: user.apiKey });

  it('moves a build that is no longer live to cold storage, keeps the live build hot, and retrieves it (Downloading Files) to set it live', async () => {
    const project = await api.createProject(user.apiKey, { name: 'Cold', region: 'europe', webhookUrl: hooks.url('/cold') });
    const a = (await api.uploadFile(user, project.id, files.url('/a.zip'))).body.uploadId;
    await api.waitForFile(user, project.id, a, (f) => f.status === 'Approved' && f.live);
    const b = (await api.uploadFile(user, project.id, files.url('/b.zip'))).body.uploadId;
    await api.waitForFile(user, project.id, b, (f) => f.status === 'Approved' && f.live);

    const archived = await waitUntil(() => v1('GET', `/v1/builds/${a}`).then((r) => r.body), (build) => build.archived === true, 'A archived');
    expect(archived).toMatchObject({ status: 'Approved', live: false, label: 'Archived' });
    expect(archived.timeline.at(-1).type).toBe('BuildArchived');
    expect(await keys(`manifests/${a}.json`)).toEqual([]);
    expect(await keys(`cold/manifests/${a}.json`)).toEqual([`cold/manifests/${a}.json`]);
    expect(await keys(`manifests/${b}.json`)).toEqual([`manifests/${b}.json`]);
    // The live build stays hot; the chunks only A used leave the hot store once collected.
    const manifestOf = async (key: string) => JSON.parse(await new Promise<string>((resolve, reject) => {
      let text = '';
      hangar.infra.blobStore.get(key).then((stream) => stream.on('data', (c) => (text += c)).on('end', () => resolve(text)).on('error', reject), reject);
    }));
    const chunksOf = (manifest: any) => new Set<string>(manifest.files.flatMap((f: any) => f.chunks.map((c: any) => c.hash)));
    const aChunks = chunksOf(await manifestOf(`cold/manifests/${a}.json`));
    const bChunks = chunksOf(await manifestOf(`manifests/${b}.json`));
    const onlyA = [...aChunks].filter((h) => !bChunks.has(h));
    expect(onlyA.length).toBeGreaterThan(0);
    await waitUntil(async () => (await keys('chunks/')).filter((k) => onlyA.includes(k.slice('chunks/'.length))).length, (n) => n === 0, "A's own chunks reclaimed from the hot store");
    expect((await keys('cold/chunks/')).length).toBe(aChunks.size);
    // B's chunks are all still in the hot store, as objects or in packs (its small files' chunks share one): a worker
    // of its own makes B from it, every chunk checked against its hash.
    const workerDir = mkdtempSync(join(tmpdir(), 'hangar-hot-b-'));
    try {
      expect(existsSync(await new BuildMaterializer(hangar.infra.blobStore, workerDir).materialize(`manifests/${b}.json`))).toBe(true);
    } finally {
      rmSync(workerDir, { recursive: true, force: true });
    }

    // Set live: retrieved first (Downloading Files, build.downloading), then distributed and live.
    expect((await v1('POST', `/v1/builds/${a}/live`)).status).toBe(202);
    const live = await api.waitForFile(user, project.id, a, (f) => f.status === 'Approved' && f.live);
    expect(live.label).toBe('Current Live Build');
    const timeline = (await v1('GET', `/v1/builds/${a}`)).body.timeline.map((t: any) => `${t.type}:${t.status}`);
    expect(timeline.slice(timeline.indexOf('BuildArchived:Approved'))).toEqual([
      'BuildArchived:Approved', 'BuildRetrievalStarted:Downloading Files', 'BuildRetrieved:Downloading Files',
      'DistributionStarted:Distribute', 'BuildReadyOnWorker:Distribute', 'BuildApproved:Approved',
    ]);
    expect((await v1('GET', `/v1/builds/${a}`)).body.archived).toBe(false);
    expect(await keys(`manifests/${a}.json`)).toEqual([`manifests/${a}.json`]);
    const eventsOfA = async () => hooks.received.filter((d) => hook(d)?.uploadId === a).map((d) => hook(d).event as string);
    const events = await waitUntil(eventsOfA, (e) => e.filter((x) => x === 'build.approved').length === 2, 'the second build.approved of A');
    expect(events.slice(6)).toEqual(['build.downloading', 'build.distributing', 'build.approved']);
  }, 120_000);
});
