import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@hangar/config';
import { ProjectionRunner, ReadModelStore } from '@hangar/services/query';
import { startEmbeddedHangar, type RunningHangar } from '@hangar/system';
import { HangarApiClient, startFileServer, writeUeBuildZip, type FileServer } from '@hangar/testing';

const ADMIN = 'e2e-admin-token';

async function waitUntil<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

/** A moment strictly after everything stored so far (the store records milliseconds). */
async function now(): Promise<string> {
  await new Promise((r) => setTimeout(r, 5));
  const time = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  return time;
}

describe('Hangar replay: state as of a time, and read models rebuilt from position 0, end to end', () => {
  let tmp: string;
  let dataDir: string;
  let hangar: RunningHangar;
  let files: FileServer;
  let api: HangarApiClient;
  let users: { userId: string; apiKey: string }[];
  let project: { id: string };
  let a: string;
  let b: string;
  const times: Record<'beforeProject' | 'aLive' | 'bLive' | 'rolledBack', string> = {} as never;

  const v1 = (method: string, path: string, user = users[0]!, query?: Record<string, string>) => api.call(method, path, { bearer: user.apiKey, query });
  const liveOf = async () => (await v1('GET', `/v1/projects/${project.id}`)).body.liveUploadId as string | null;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-replay-e2e-'));
    dataDir = join(tmp, 'data');
    files = await startFileServer();
    files.serveFile('/builds/a.zip', (await writeUeBuildZip(join(tmp, 'a.zip'), { name: 'Demo', fileCount: 8 })).path);
    files.serveFile('/builds/b.zip', (await writeUeBuildZip(join(tmp, 'b.zip'), { name: 'Demo', fileCount: 9 })).path);
    hangar = await startEmbeddedHangar(
      loadConfig({ HANGAR_DATA_DIR: dataDir, PORT: '0', HANGAR_ADMIN_TOKEN: ADMIN, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', HANGAR_LOG_LEVEL: 'error' }, 'embedded'),
    );
    api = new HangarApiClient(hangar.url);
    users = [await api.createUser(ADMIN), await api.createUser(ADMIN, 'second')];
    times.beforeProject = await now();
    project = await api.createProject(users[0]!.apiKey, { name: 'Replayed', region: 'europe' });
    await api.createProject(users[1]!.apiKey, { name: 'Other', region: 'asia-pacific' });

    a = (await api.uploadFile(users[0]!, project.id, files.url('/builds/a.zip'))).body.uploadId;
    await waitUntil('A live', liveOf, (live) => live === a);
    times.aLive = await now();
    b = (await api.uploadFile(users[0]!, project.id, files.url('/builds/b.zip'))).body.uploadId;
    await waitUntil('B live', liveOf, (live) => live === b);
    expect((await api.call('PUT', `/v1/builds/${b}/tag`, { bearer: users[0]!.apiKey, body: { tag: 'v2' } })).status).toBe(204);
    times.bLive = await now();
    expect((await v1('POST', `/v1/builds/${a}/live`)).status).toBe(202);
    await waitUntil('rollback to A', liveOf, (live) => live === a);
    times.rolledBack = await now();
    const rejected = (await api.uploadFile(users[0]!, project.id, files.url('/builds/missing.zip'))).body.uploadId;
    await api.waitForFile(users[0]!, project.id, rejected, (file) => file.status === 'Reject');
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('answers what was live and every build’s state at each moment of a set-live and rollback sequence', async () => {
    const asOf = (time: string) => v1('GET', `/v1/projects/${project.id}`, users[0], { asOf: time });
    const states = (body: any) => Object.fromEntries(body.builds.map((build: any) => [build.uploadId, [build.status, build.label, build.live]]));

    const first = await asOf(times.aLive);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: project.id, name: 'Replayed', liveUploadId: a, asOf: times.aLive });
    expect(states(first.body)).toEqual({ [a]: ['Approved', 'Current Live Build', true] });

    const second = await asOf(times.bLive);
    expect(second.body.liveUploadId).toBe(b);
    expect(states(second.body)).toEqual({ [a]: ['Approved', 'Archived', false], [b]: ['Approved', 'Current Live Build', true] });
    expect(second.body.builds.find((build: any) => build.uploadId === b).tag).toBe('v2');

    const third = await asOf(times.rolledBack);
    expect(third.body.liveUploadId).toBe(a);
    expect(states(third.body)).toEqual({ [a]: ['Approved', 'Current Live Build', true], [b]: ['Approved', 'Archived', false] });

    // Now: the same answer as the live read model (plus the rejected upload).
    const live = await v1('GET', `/v1/projects/${project.id}`);
    const current = await asOf(new Date(Date.now() + 60_000).toISOString());
    const { asOf: _asOf, builds, ...projectNow } = current.body;
    expect(projectNow).toEqual(live.body);
    expect(builds).toEqual((await v1('GET', `/v1/projects/${project.id}/builds`, users[0], { limit: '100' })).body.items);

    expect((await asOf(times.beforeProject)).status).toBe(404);
    expect((await asOf('yesterday')).status).toBe(400);
    expect((await v1('GET', `/v1/projects/${project.id}`, users[1], { asOf: times.aLive })).status).toBe(403);
  });

  it('answers a build’s state as of a time', async () => {
    const atB = await v1('GET', `/v1/builds/${b}`, users[0], { asOf: times.bLive });
    expect(atB.body).toMatchObject({ uploadId: b, status: 'Approved', live: true, label: 'Current Live Build', tag: 'v2' });
    const later = await v1('GET', `/v1/builds/${b}`, users[0], { asOf: times.rolledBack });
    expect(later.body).toMatchObject({ live: false, label: 'Archived' });
    expect((await v1('GET', `/v1/builds/${b}`, users[0], { asOf: times.aLive })).status).toBe(404);
  });

  it('rebuilds every read model from position 0 to the same answers as the live ones', async () => {
    const store = hangar.infra.eventStore;
    const liveModels = new ReadModelStore(join(dataDir, 'query', 'read-models.sqlite'));
    const rebuilt = new ReadModelStore(join(tmp, 'rebuilt.sqlite'));
    try {
      const all = await store.readAll();
      const last = all[all.length - 1]!.position;
      await waitUntil('live read models caught up', async () => liveModels.checkpoint(), (checkpoint) => checkpoint !== null && checkpoint >= last);
      const runner = new ProjectionRunner(store, rebuilt);
      runner.start();
      expect(await runner.caughtUpTo(last, 30_000)).toBe(true);
      await runner.stop();
      expect(rebuilt.checkpoint()).toBe(liveModels.checkpoint());

      let buildsCompared = 0;
      for (const user of users) {
        const projects = rebuilt.projectsOf(user.userId, 0, 1000);
        expect(projects).toEqual(liveModels.projectsOf(user.userId, 0, 1000));
        for (const { id } of projects.items) {
          expect(rebuilt.project(id)).toEqual(liveModels.project(id));
          const builds = rebuilt.buildsOf(id, 0, 1000);
          expect(builds).toEqual(liveModels.buildsOf(id, 0, 1000));
          for (const query of [['Approved'], ['Reject'], [undefined, 'v2'], [undefined, undefined, 'demo']] as const) {
            expect(rebuilt.buildsOf(id, 0, 1000, ...query)).toEqual(liveModels.buildsOf(id, 0, 1000, ...query));
          }
          for (const { uploadId } of builds.items) {
            expect(rebuilt.build(uploadId)).toEqual(liveModels.build(uploadId));
            buildsCompared++;
          }
        }
      }
      expect(buildsCompared).toBe(3);
    } finally {
      rebuilt.close();
      liveModels.close();
    }
  });
});
