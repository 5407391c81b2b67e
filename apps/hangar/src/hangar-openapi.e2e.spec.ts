import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadConfig } from '@hangar/config';
import { startEmbeddedHangar, type RunningHangar } from '@hangar/system';
import { HangarApiClient, startFileServer, writeUeBuildZip, type FileServer } from '@hangar/testing';

const ADMIN = 'openapi-admin-token';

describe('GET /v1/openapi.json: the event schemas describe the events Hangar really emits', () => {
  let tmp: string;
  let hangar: RunningHangar;
  let files: FileServer;
  let api: HangarApiClient;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-openapi-e2e-'));
    files = await startFileServer();
    files.serveFile('/builds/good.zip', (await writeUeBuildZip(join(tmp, 'good.zip'), { name: 'Demo', fileCount: 20 })).path);
    hangar = await startEmbeddedHangar(
      loadConfig({ HANGAR_DATA_DIR: join(tmp, 'data'), PORT: '0', HANGAR_ADMIN_TOKEN: ADMIN, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', HANGAR_LOG_LEVEL: 'error' }, 'embedded'),
    );
    api = new HangarApiClient(hangar.url);
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves an OpenAPI 3.1 document whose versioned event schemas validate every public event of a build\'s life', async () => {
    const user = await api.createUser(ADMIN);
    const project = await api.createProject(user.apiKey, { name: 'Schemas', region: 'europe' });
    const good = await api.uploadFile(user, project.id, files.url('/builds/good.zip'));
    await api.waitForFile(user, project.id, good.body.uploadId, (f) => f.status === 'Approved' && f.live, 60_000);
    const missing = await api.uploadFile(user, project.id, files.url('/builds/missing.zip'));
    await api.waitForFile(user, project.id, missing.body.uploadId, (f) => f.status === 'Reject', 60_000);
    await api.call('PATCH', `/v1/projects/${project.id}`, { bearer: user.apiKey, body: { name: 'Renamed' } });
    await api.call('PUT', `/v1/builds/${good.body.uploadId}/tag`, { bearer: user.apiKey, body: { tag: 'v1' } });

    const { status, body: document } = await api.call('GET', '/v1/openapi.json');
    expect(status).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/v1/events'].get).toBeDefined();
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(document.components.schemas)) if (name !== 'PublicEvent') ajv.addSchema(schema as object, name);

    const events: any[] = [];
    for (let after: string | undefined; ; ) {
      const page = await api.call('GET', '/v1/events', { bearer: user.apiKey, query: { projectId: project.id, limit: '1000', ...(after ? { after } : {}) } });
      events.push(...page.body.items);
      if (page.body.items.length === 0) break;
      after = page.body.next;
    }
    // The public events are those with a schema; the set below checks that none of a build's life lacks one.
    const publicEvents = events.filter((e) => document.components.schemas[`${e.type}V1`]);
    expect(new Set(publicEvents.map((e) => e.type))).toEqual(
      new Set(['ProjectCreated', 'ProjectSettingsChanged', 'LiveBuildChanged', 'BuildQueued', 'DownloadStarted', 'DownloadCompleted', 'ScanStarted', 'ScanPassed', 'SavingStarted', 'BuildStored', 'DistributionStarted', 'BuildReadyOnWorker', 'BuildApproved', 'BuildRejected', 'BuildTagged']),
    );
    const invalid = publicEvents.flatMap((e) => (ajv.validate(`${e.type}V1`, e) ? [] : [{ type: e.type, errors: ajv.errorsText() }]));
    expect(invalid).toEqual([]);

    // The views the API answers with match the schemas its operations name: an approved and a rejected build, the
    // project, a page of its builds, a project just created.
    const answers: [operation: [string, string], body: unknown][] = [
      [['get', '/v1/builds/{uploadId}'], (await api.call('GET', `/v1/builds/${good.body.uploadId}`, { bearer: user.apiKey })).body],
      [['get', '/v1/builds/{uploadId}'], (await api.call('GET', `/v1/builds/${missing.body.uploadId}`, { bearer: user.apiKey })).body],
      [['get', '/v1/projects/{id}'], (await api.call('GET', `/v1/projects/${project.id}`, { bearer: user.apiKey })).body],
      [['get', '/v1/projects/{id}/builds'], (await api.call('GET', `/v1/projects/${project.id}/builds`, { bearer: user.apiKey })).body],
      [['post', '/v1/projects'], (await api.call('POST', '/v1/projects', { bearer: user.apiKey, body: { name: 'Another', region: 'europe', webhookUrl: files.url('/hook') } })).body],
    ];
    const mismatches = answers.flatMap(([[method, path], body]) => {
      const schema = document.paths[path][method].responses['2XX'].content['application/json'].schema;
      // Components are registered in ajv under their names: the document's references are rewritten to those.
      const named = JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', ''));
      const validate = ajv.compile(named);
      return validate(body) ? [] : [{ path, errors: ajv.errorsText(validate.errors) }];
    });
    expect(mismatches).toEqual([]);
    // And a request body that breaks its schema is refused by the API too (the DTOs are the schemas' source).
    expect(ajv.validate('CreateProjectBody', { region: 'europe' })).toBe(false);
    expect((await api.call('POST', '/v1/projects', { bearer: user.apiKey, body: { region: 'europe' } })).status).toBe(400);
  }, 120_000);
});
