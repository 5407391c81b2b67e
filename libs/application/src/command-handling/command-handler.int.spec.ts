import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectEvent } from '@hangar/contracts';
import { fold, projectDecider } from '@hangar/domain';
import { SqliteEventStore } from '@hangar/event-store';
import { handleCommand } from './command-handler';

describe('handleCommand (load, decide, append with the expected revision)', () => {
  let dir: string;
  let store: SqliteEventStore;
  const at = '2026-11-22T10:00:00.000Z';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-cmd-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = {
    type: 'CreateProject' as const,
    projectId: 'p1',
    ownerId: 'u1',
    name: 'P',
    region: 'europe',
    webhookUrl: null,
    webhookEvents: [],
    autoRelease: true,
    at,
  };

  it('appends what the decider decides, with the metadata given', async () => {
    const { appended } = await handleCommand(store, 'project-p1', projectDecider, create, { actor: 'user:u1', correlationId: 'c1' });
    expect(appended.map((e) => e.type)).toEqual(['ProjectCreated']);
    const [stored] = await store.readStream('project-p1');
    expect(stored.metadata).toMatchObject({ actor: 'user:u1', correlationId: 'c1' });
  });

  it('appends nothing for a command that already took effect', async () => {
    await handleCommand(store, 'project-p1', projectDecider, create);
    const again = await handleCommand(store, 'project-p1', projectDecider, create);
    expect(again.appended).toEqual([]);
    expect(await store.readStream('project-p1')).toHaveLength(1);
  });

  it('serialises concurrent writers of one stream: every set-live lands, one at a time, in some serial order', async () => {
    await handleCommand(store, 'project-p1', projectDecider, create);
    const builds = Array.from({ length: 20 }, (_, i) => `b${i}`);
    await Promise.all(builds.map((uploadId) => handleCommand(store, 'project-p1', projectDecider, { type: 'SetLiveBuild', uploadId, at })));
    const changes = (await store.readStream('project-p1')).slice(1).map((e) => e.data as { uploadId: string; previousUploadId: string | null });
    expect(changes.map((c) => c.uploadId).sort()).toEqual([...builds].sort());
    // Each change names the build that was live just before it: a history consistent with one serial order.
    changes.forEach((c, i) => expect(c.previousUploadId).toBe(i === 0 ? null : changes[i - 1].uploadId));
  });

  it('leaves one live build after 50 simultaneous set-live calls alternating among three builds', async () => {
    await handleCommand(store, 'project-p1', projectDecider, create);
    const calls = Array.from({ length: 50 }, (_, i) => `b${i % 3}`);
    const results = await Promise.all(calls.map((uploadId) => handleCommand(store, 'project-p1', projectDecider, { type: 'SetLiveBuild', uploadId, at })));
    const changes = (await store.readStream('project-p1')).slice(1).map((e) => e.data as { uploadId: string; previousUploadId: string | null });
    // Every call either moved the pointer or found its build already live (a no-op), never both nor neither.
    expect(results.filter((r) => r.appended.length === 1)).toHaveLength(changes.length);
    changes.forEach((c, i) => {
      expect(c.previousUploadId).toBe(i === 0 ? null : changes[i - 1].uploadId);
      expect(c.uploadId).not.toBe(c.previousUploadId);
    });
    const project = fold(projectDecider, (await store.readStream('project-p1')).map((e) => ({ type: e.type, data: e.data }) as ProjectEvent));
    expect(project.exists && project.liveUploadId).toBe(changes.at(-1)?.uploadId);
  });
});
