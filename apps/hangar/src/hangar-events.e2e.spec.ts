import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@hangar/config';
import { startEmbeddedHangar, type RunningHangar } from '@hangar/system';
import { HangarApiClient, startFileServer, writeUeBuildZip, type FileServer } from '@hangar/testing';

const ADMIN = 'e2e-admin-token';

interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** Reads a Server-Sent Events response with Node's fetch until `done` holds for what was received. */
async function readSse(url: string, headers: Record<string, string>, done: (events: SseEvent[]) => boolean, timeoutMs = 30_000): Promise<SseEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
        }
        if (fields['data'] !== undefined) events.push({ id: fields['id'], event: fields['event'], data: JSON.parse(fields['data']) });
      }
      if (done(events)) break;
    }
  } catch (error) {
    throw new Error(`SSE: ${String(error)}; received ${JSON.stringify(events.map((e) => [e.id, e.event]))}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}

describe('Hangar event feed and history, end to end', () => {
  let tmp: string;
  let hangar: RunningHangar;
  let files: FileServer;
  let api: HangarApiClient;
  let user: { userId: string; apiKey: string };
  let other: { userId: string; apiKey: string };
  let project: { id: string };
  let otherProject: { id: string };
  let uploadId: string;
  let liveEvents: SseEvent[];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-events-e2e-'));
    files = await startFileServer();
    files.serveFile('/builds/good.zip', (await writeUeBuildZip(join(tmp, 'good.zip'), { name: 'Demo', fileCount: 20 })).path);
    hangar = await startEmbeddedHangar(
      loadConfig({ HANGAR_DATA_DIR: join(tmp, 'data'), PORT: '0', HANGAR_ADMIN_TOKEN: ADMIN, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', HANGAR_LOG_LEVEL: 'error' }, 'embedded'),
    );
    api = new HangarApiClient(hangar.url);
    user = await api.createUser(ADMIN);
    other = await api.createUser(ADMIN, 'other');
    project = await api.createProject(user.apiKey, { name: 'Demo', region: 'europe' });
    otherProject = await api.createProject(other.apiKey, { name: 'Theirs', region: 'europe' });
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('streams a build’s events live over SSE, in order, with their positions as ids', async () => {
    const streaming = readSse(`${hangar.url}/v1/events?projectId=${project.id}`, { authorization: `Bearer ${user.apiKey}` }, (events) => events.some((e) => e.event === 'BuildApproved'));
    await new Promise((r) => setTimeout(r, 300));
    const upload = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    expect(upload.status).toBe(201);
    uploadId = upload.body.uploadId;
    liveEvents = await streaming;

    expect(liveEvents[0]).toMatchObject({ event: 'ProjectCreated', data: { stream: `project-${project.id}` } });
    const buildEvents = liveEvents.filter((e) => e.data.stream === `build-${uploadId}`);
    expect(buildEvents.map((e) => e.event).slice(0, 2)).toEqual(['BuildQueued', 'DownloadStarted']);
    expect(buildEvents.map((e) => e.data.revision)).toEqual(buildEvents.map((_, i) => String(i)));
    const positions = liveEvents.map((e) => BigInt(e.id));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const e of liveEvents) {
      expect(e.id).toBe(e.data.position);
      expect(e.event).toBe(e.data.type);
      expect([`project-${project.id}`, `build-${uploadId}`, `webhooks-${project.id}`]).toContain(e.data.stream);
    }
  });

  it('resumes with Last-Event-ID (which wins over after) and never shows another user’s events', async () => {
    const cut = liveEvents[2];
    const resumed = await readSse(
      `${hangar.url}/v1/events?after=0`,
      { authorization: `Bearer ${user.apiKey}`, 'last-event-id': cut.id },
      (events) => events.some((e) => e.event === 'BuildApproved'),
    );
    expect(resumed.length).toBeGreaterThan(0);
    for (const e of resumed) expect(BigInt(e.id)).toBeGreaterThan(BigInt(cut.id));
    expect(resumed.map((e) => e.id).slice(0, liveEvents.length - 3)).toEqual(liveEvents.slice(3).map((e) => e.id));
    expect(resumed.some((e) => e.data.stream === `project-${otherProject.id}`)).toBe(false);
  });

  it('pages the feed as JSON, resumable from next, only the caller’s projects', async () => {
    const all: any[] = [];
    let after = '0';
    for (let i = 0; i < 100; i++) {
      const res = await api.call('GET', '/v1/events', { bearer: user.apiKey, query: { after, limit: '3' } });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      all.push(...res.body.items);
      if (res.body.items.length === 0) break;
      after = res.body.next;
    }
    expect(all.map((e) => e.position)).toEqual(liveEvents.filter((e) => all.some((a) => a.position === e.id)).map((e) => e.id));
    expect(all.some((e) => e.stream === `build-${uploadId}` && e.type === 'BuildApproved')).toBe(true);
    expect(all.some((e) => e.stream.includes(otherProject.id))).toBe(false);
    expect(all[0]).toEqual({
      position: expect.stringMatching(/^\d+$/),
      id: expect.any(String),
      type: 'ProjectCreated',
      stream: `project-${project.id}`,
      revision: '0',
      data: expect.objectContaining({ projectId: project.id }),
      metadata: expect.objectContaining({ actor: `user:${user.userId}` }),
      recordedAt: expect.any(String),
    });

    const theirs = await api.call('GET', '/v1/events', { bearer: other.apiKey, query: { projectId: otherProject.id } });
    expect(theirs.body.items.map((e: any) => e.stream)).toEqual([`project-${otherProject.id}`]);
    expect((await api.call('GET', '/v1/events', { bearer: other.apiKey, query: { projectId: project.id } })).status).toBe(403);
    expect((await api.call('GET', '/v1/events', { bearer: user.apiKey, query: { after: 'x' } })).status).toBe(400);
    expect((await api.call('GET', '/v1/events')).status).toBe(401);
  });

  it('shows a project’s and a build’s history with who caused each event and why', async () => {
    const build = await api.call('GET', `/v1/builds/${uploadId}/history`, { bearer: user.apiKey });
    expect(build.status).toBe(200);
    expect(build.body.items[0]).toEqual({
      position: expect.stringMatching(/^\d+$/),
      revision: '0',
      stream: `build-${uploadId}`,
      type: 'BuildQueued',
      at: expect.any(String),
      actor: `user:${user.userId}`,
      apiKeyId: user.userId,
      correlationId: expect.any(String),
      causationId: null,
      data: expect.objectContaining({ uploadId, projectId: project.id }),
    });
    expect(build.body.items.map((e: any) => e.revision)).toEqual(build.body.items.map((_: any, i: number) => String(i)));
    const downloaded = build.body.items.find((e: any) => e.type === 'DownloadStarted');
    expect(downloaded.actor).toMatch(/^service:/);

    const history = await api.call('GET', `/v1/projects/${project.id}/history`, { bearer: user.apiKey, query: { limit: '1000' } });
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ type: 'ProjectCreated', actor: `user:${user.userId}`, correlationId: project.id });
    expect(history.body.items.filter((e: any) => e.stream === `build-${uploadId}`).map((e: any) => e.position)).toEqual(build.body.items.map((e: any) => e.position));
    const positions = history.body.items.map((e: any) => BigInt(e.position));
    expect(positions).toEqual([...positions].sort((a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)));

    expect((await api.call('GET', `/v1/builds/${uploadId}/history`, { bearer: other.apiKey })).status).toBe(403);
    expect((await api.call('GET', `/v1/projects/${project.id}/history`, { bearer: other.apiKey })).status).toBe(403);
    expect((await api.call('GET', `/v1/builds/${'0'.repeat(24)}/history`, { bearer: user.apiKey })).status).toBe(404);
  });
});
