import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, type CliIo } from '@hangar/cli';
import { loadConfig } from '@hangar/config';
import { startEmbeddedHangar, type RunningHangar } from '@hangar/system';
import { HangarApiClient, startFileServer, writeUeBuildZip, type FileServer } from '@hangar/testing';

const ADMIN = 'e2e-admin-token';

/** Runs the CLI in-process, as `npm run cli -- <argv>` would, and keeps what it printed. */
async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { env, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
  const code = await runCli(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('Hangar audit: hash chains, verify and export, end to end', () => {
  let tmp: string;
  let dataDir: string;
  let hangar: RunningHangar;
  let files: FileServer;
  let api: HangarApiClient;
  let user: { userId: string; apiKey: string };
  let project: { id: string };
  let uploadId: string;
  let exportFile: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-audit-e2e-'));
    dataDir = join(tmp, 'data');
    files = await startFileServer();
    files.serveFile('/builds/good.zip', (await writeUeBuildZip(join(tmp, 'good.zip'), { name: 'Demo', fileCount: 10 })).path);
    hangar = await startEmbeddedHangar(
      loadConfig({ HANGAR_DATA_DIR: dataDir, PORT: '0', HANGAR_ADMIN_TOKEN: ADMIN, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', HANGAR_LOG_LEVEL: 'error' }, 'embedded'),
    );
    api = new HangarApiClient(hangar.url);
    user = await api.createUser(ADMIN);
    project = await api.createProject(user.apiKey, { name: 'Audited', region: 'europe' });
    const other = await api.createUser(ADMIN, 'other');
    await api.createProject(other.apiKey, { name: 'Not exported', region: 'europe' });
    const upload = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    uploadId = upload.body.uploadId;
    await api.waitForFile(user, project.id, uploadId, (file) => file.status === 'Approved');
    exportFile = join(tmp, 'export.jsonl');
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('verifies a clean store: every event of the pipeline is hashed and linked (API and CLI)', async () => {
    const verification = await api.call('GET', '/v1/audit/verify', { bearer: ADMIN });
    expect(verification.status).toBe(200);
    expect(verification.body).toMatchObject({ ok: true, unhashedEvents: 0, unsealedStreams: [], brokenLink: null });
    expect(verification.body.events).toBeGreaterThan(10);
    expect((await api.call('GET', '/v1/audit/verify', { bearer: user.apiKey })).status).toBe(401);

    const direct = await cli(['audit', 'verify', '--data-dir', dataDir]);
    expect(direct).toMatchObject({ code: 0, stderr: expect.stringMatching(/^OK: \d+ events/) });
    expect(JSON.parse(direct.stdout)).toMatchObject({ ok: true, streams: verification.body.streams });
  });

  it("exports a project's history (its stream and its builds', whole) as JSON Lines that verify offline", async () => {
    const response = await fetch(`${hangar.url}/v1/projects/${project.id}/audit-export`, { headers: { authorization: `Bearer ${user.apiKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jsonl/);
    const text = await response.text();
    writeFileSync(exportFile, text);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line));
    expect(new Set(lines.map((line) => line.stream))).toEqual(new Set([`project-${project.id}`, `build-${uploadId}`]));
    expect(lines.filter((line) => line.stream === `build-${uploadId}`).map((line) => line.type)).toContain('BuildApproved');
    expect(lines[0]).toMatchObject({ revision: '0', metadata: { previousHash: null, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    expect(await cli(['audit', 'verify-export', exportFile])).toMatchObject({ code: 0, stderr: `OK: ${lines.length} events in 2 streams verified\n` });
    expect((await fetch(`${hangar.url}/v1/projects/${project.id}/audit-export`)).status).toBe(401);
  });

  it('fails an export whose event was edited or left out, naming the link', async () => {
    const lines = readFileSync(exportFile, 'utf8').trim().split('\n');
    const index = lines.findIndex((line) => JSON.parse(line).type === 'ScanPassed');
    const edited = JSON.parse(lines[index]!);
    edited.data.uploadId = 'someone-else';
    writeFileSync(join(tmp, 'edited.jsonl'), [...lines.slice(0, index), JSON.stringify(edited), ...lines.slice(index + 1)].join('\n'));
    const result = await cli(['audit', 'verify-export', join(tmp, 'edited.jsonl')]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).brokenLink).toEqual({
      stream: edited.stream,
      revision: edited.revision,
      position: edited.position,
      eventId: edited.id,
      problem: 'hash',
      expected: expect.stringMatching(/^[0-9a-f]{64}$/),
      found: edited.metadata.hash,
    });
    expect(result.stderr).toContain(`BROKEN: ${edited.stream} revision ${edited.revision}`);

    writeFileSync(join(tmp, 'cut.jsonl'), [...lines.slice(0, index), ...lines.slice(index + 1)].join('\n'));
    const cut = await cli(['audit', 'verify-export', join(tmp, 'cut.jsonl')]);
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.stdout).brokenLink).toMatchObject({ stream: edited.stream, problem: 'revision', expected: edited.revision });
  });

  it('names the first broken link after a stored event is edited in the SQLite file (API, CLI on the file and through the API)', async () => {
    const history = await api.call('GET', `/v1/builds/${uploadId}/history`, { bearer: user.apiKey });
    const target = history.body.items.find((item: any) => item.type === 'DownloadCompleted');
    const db = new Database(join(dataDir, 'events.sqlite'));
    const row = db.prepare('SELECT data, metadata FROM events WHERE position = ?').get(BigInt(target.position)) as { data: string; metadata: string };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace(uploadId, 'f'.repeat(24)), BigInt(target.position));
    db.close();

    const verification = await api.call('GET', '/v1/audit/verify', { bearer: ADMIN });
    expect(verification.body).toMatchObject({
      ok: false,
      brokenLink: {
        stream: `build-${uploadId}`,
        revision: target.revision,
        position: target.position,
        problem: 'hash',
        expected: expect.stringMatching(/^[0-9a-f]{64}$/),
        found: JSON.parse(row.metadata).hash,
      },
    });
    expect(verification.body.brokenLink.expected).not.toBe(verification.body.brokenLink.found);

    const direct = await cli(['audit', 'verify', '--data-dir', dataDir]);
    expect(direct.code).toBe(1);
    expect(JSON.parse(direct.stdout).brokenLink).toEqual(verification.body.brokenLink);
    const throughApi = await cli(['audit', 'verify', '--api', hangar.url], { HANGAR_ADMIN_TOKEN: ADMIN });
    expect(throughApi.code).toBe(1);
    expect(JSON.parse(throughApi.stdout).brokenLink).toEqual(verification.body.brokenLink);
    expect((await cli(['audit', 'nonsense'])).code).toBe(2);
  });
});
