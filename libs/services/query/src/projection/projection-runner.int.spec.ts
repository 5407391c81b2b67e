import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@hangar/event-store';
import { ReadModelStore } from '../read-model/read-model-store';
import { project as projectEvent } from './build-projection';
import { ProjectionRunner } from './projection-runner';

const at = '2026-11-22T10:00:00.000Z';
const p = '65f0c0ffee0000000000000a';
const b1 = '65f0c0ffee0000000000000b';
const b2 = '65f0c0ffee0000000000000c';

async function seed(store: SqliteEventStore): Promise<bigint> {
  await store.append(`project-${p}`, [{ type: 'ProjectCreated', data: { projectId: p, ownerId: 'u1', name: 'P', region: 'europe', webhookUrl: null, webhookEvents: [], autoRelease: true, at } }], 'no_stream');
  for (const b of [b1, b2]) {
    await store.append(
      `build-${b}`,
      [
        { type: 'BuildQueued', data: { uploadId: b, projectId: p, userId: 'u1', fileUrl: `https://x/${b}.zip`, autoRelease: true, region: 'europe', at } },
        { type: 'DownloadStarted', data: { uploadId: b, projectId: p, at } },
      ],
      'no_stream',
    );
  }
  await store.append(`build-${b2}`, [{ type: 'BuildRejected', data: { uploadId: b2, projectId: p, stage: 'Downloading Files', code: 'DOWNLOAD_FAILED', objection: 'Failed to download file', reason: 'HTTP 404', at } }], 1n);
  await store.append(`project-${p}`, [{ type: 'LiveBuildChanged', data: { projectId: p, uploadId: b1, previousUploadId: null, at } }], 0n);
  const all = await store.readAll();
  return all[all.length - 1].position;
}

describe('query projections', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-query-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function project(file: string, until: bigint) {
    const readModels = new ReadModelStore(join(dir, file));
    const runner = new ProjectionRunner(store, readModels);
    runner.start();
    expect(await runner.caughtUpTo(until)).toBe(true);
    await runner.stop();
    return readModels;
  }

  it('projects builds with their status, objection, label and timeline', async () => {
    const last = await seed(store);
    const models = await project('live.sqlite', last);
    expect(models.build(b1)).toMatchObject({ status: 'Downloading Files', live: true, label: 'Downloading' });
    expect(models.build(b2)).toMatchObject({ status: 'Reject', objection: 'Failed to download file', objectionCode: 'DOWNLOAD_FAILED', reason: 'HTTP 404', label: 'Validation Failed' });
    expect(models.build(b2)!.timeline.map((t) => t.status)).toEqual(['pending', 'Downloading Files', 'Reject']);
    expect(models.project(p)).toMatchObject({ liveUploadId: b1 });
    expect(models.buildsOf(p, 0, 10, 'Reject').items.map((b) => b.uploadId)).toEqual([b2]);
    models.close();
  });

  it('shows an approved build as on its way until the project makes it live, then Current Live Build, then Archived', async () => {
    await seed(store);
    const approve = async (b: string, revision: bigint) => {
      await store.append(
        `build-${b}`,
        [
          { type: 'DistributionStarted', data: { uploadId: b, projectId: p, region: 'europe', round: 1, trigger: 'auto', at } },
          { type: 'BuildReadyOnWorker', data: { uploadId: b, projectId: p, workerId: 'w1', round: 1, at } },
          { type: 'BuildApproved', data: { uploadId: b, projectId: p, round: 1, workers: ['w1'], at } },
        ],
        revision,
      );
      const all = await store.readAll();
      return all[all.length - 1].position;
    };
    const b3 = '65f0c0ffee0000000000000d';
    await store.append(`build-${b3}`, [{ type: 'BuildQueued', data: { uploadId: b3, projectId: p, userId: 'u1', fileUrl: 'https://x/3.zip', autoRelease: true, region: 'europe', at } }], 'no_stream');
    let models = await project('going-live.sqlite', await approve(b3, 0n));
    expect(models.build(b3)).toMatchObject({ status: 'Approved', live: false, goingLive: true, label: 'Distributing to the Servers' });
    expect(models.project(p)).toMatchObject({ liveUploadId: b1 });
    models.close();

    await store.append(`project-${p}`, [{ type: 'LiveBuildChanged', data: { projectId: p, uploadId: b3, previousUploadId: b1, at } }], 1n);
    const b4 = '65f0c0ffee0000000000000e';
    await store.append(`build-${b4}`, [{ type: 'BuildQueued', data: { uploadId: b4, projectId: p, userId: 'u1', fileUrl: 'https://x/4.zip', autoRelease: true, region: 'europe', at } }], 'no_stream');
    await approve(b4, 0n);
    await store.append(`project-${p}`, [{ type: 'LiveBuildChanged', data: { projectId: p, uploadId: b4, previousUploadId: b3, at } }], 2n);
    const all = await store.readAll();
    models = await project('going-live.sqlite', all[all.length - 1].position);
    expect(models.build(b4)).toMatchObject({ live: true, goingLive: false, label: 'Current Live Build' });
    expect(models.build(b3)).toMatchObject({ status: 'Approved', live: false, goingLive: false, label: 'Archived' });
    models.close();
  });

  it('rebuilt from position 0, gives the same answers as the live read models', async () => {
    const last = await seed(store);
    const live = await project('live.sqlite', last);
    const rebuilt = await project('rebuilt.sqlite', last);
    expect(rebuilt.project(p)).toEqual(live.project(p));
    for (const b of [b1, b2]) expect(rebuilt.build(b)).toEqual(live.build(b));
    expect(rebuilt.checkpoint()).toBe(live.checkpoint());
    live.close();
    rebuilt.close();
  });

  it('resumes from its checkpoint after a restart, applying each event once', async () => {
    const last = await seed(store);
    (await project('resume.sqlite', last)).close();
    await store.append(`build-${b1}`, [{ type: 'DownloadCompleted', data: { uploadId: b1, projectId: p, archive: { blobKey: 'k', size: 1, sha256: 'x' }, at } }], 1n);
    const all = await store.readAll();
    const resumed = await project('resume.sqlite', all[all.length - 1].position);
    expect(resumed.build(b1)!.timeline.map((t) => t.type)).toEqual(['BuildQueued', 'DownloadStarted', 'DownloadCompleted']);
    resumed.close();
  });

  it('catches up over several pages, each one transaction, to what applying event by event gives', async () => {
    await store.append(`project-${p}`, [{ type: 'ProjectCreated', data: { projectId: p, ownerId: 'u1', name: 'P', region: 'europe', webhookUrl: null, webhookEvents: [], autoRelease: true, at } }], 'no_stream');
    // 450 builds of ten events: more than two catch-up pages, with builds cut across page boundaries.
    for (let i = 0; i < 450; i++) {
      const b = `65f0c0ffee${i.toString(16).padStart(14, '0')}`;
      const base = { uploadId: b, projectId: p, at };
      await store.append(
        `build-${b}`,
        [
          { type: 'BuildQueued', data: { ...base, userId: 'u1', fileUrl: `https://x/${b}.zip`, autoRelease: true, region: 'europe' } },
          ...['DownloadStarted', 'ScanStarted', 'SavingStarted'].map((type) => ({ type, data: base })),
          { type: 'BuildTagged', data: { ...base, tag: `t${i}` } },
          { type: 'BuildTagged', data: { ...base, tag: `v${i}` } },
          ...(i % 7 === 0 ? [{ type: 'BuildDeleted', data: { ...base, stage: 'Saving to Repository' } }] : [{ type: 'ScanStarted', data: base }]),
          { type: 'BuildTagged', data: { ...base, tag: null } },
          { type: 'DownloadStarted', data: base },
          { type: 'SavingStarted', data: base },
        ],
        'no_stream',
      );
      if (i % 50 === 0) await store.append(`project-${p}`, [{ type: 'LiveBuildChanged', data: { projectId: p, uploadId: b, previousUploadId: null, at } }], 'any');
    }
    const all = await store.readAll();
    const paged = await project('paged.sqlite', all[all.length - 1].position);
    const oneByOne = new ReadModelStore(join(dir, 'one-by-one.sqlite'));
    for (const event of all) oneByOne.commit(event.position, (tx) => projectEvent(tx, event));
    expect(paged.checkpoint()).toBe(oneByOne.checkpoint());
    expect(paged.project(p)).toEqual(oneByOne.project(p));
    const builds = oneByOne.buildsOf(p, 0, 1000);
    expect(builds.total).toBe(450 - 65);
    expect(paged.buildsOf(p, 0, 1000)).toEqual(builds);
    paged.close();
    oneByOne.close();
  });
});
