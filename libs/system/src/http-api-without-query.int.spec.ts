import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@hangar/config';
import { createInfrastructure, type Infrastructure } from '@hangar/infrastructure';
import { HangarApiClient } from '@hangar/testing';
import { startHttpApi, type Stoppable } from './service-runner';

describe('the HTTP API while the query service is down', () => {
  let tmp: string;
  let infra: Infrastructure;
  let http: Stoppable & { port: number };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-noquery-'));
    infra = await createInfrastructure(loadConfig({ HANGAR_DATA_DIR: tmp, PORT: '0', HANGAR_ADMIN_TOKEN: 'admin' }, 'embedded'));
    http = await startHttpApi(infra, 0);
  });
  afterAll(async () => {
    await http.close();
    await infra.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('still takes commands, and answers reads with 503 and a reason instead of a 500', async () => {
    const api = new HangarApiClient(`http://127.0.0.1:${http.port}`);
    const user = await api.createUser('admin');
    const project = await api.createProject(user.apiKey, { name: 'No query', region: 'europe' });
    const read = await api.call('GET', `/v1/projects/${project.id}`, { bearer: user.apiKey });
    expect(read.status).toBe(503);
    expect(read.body).toEqual({ message: expect.stringMatching(/no responder/), code: 'NO_RESPONDER' });
    const compat = await api.project(user, project.id);
    expect(compat.status).toBe(503);
    expect(Object.keys(compat.body)).toEqual(['message']);
  });
});
