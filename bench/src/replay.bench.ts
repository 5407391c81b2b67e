import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventHash, SqliteEventStore, verifyHashChains } from '@hangar/event-store';
import { ProjectionRunner, ReadModelStore } from '@hangar/services/query';
import { timed } from './timing';

/** The goal the rebuild is held against (printed beside it, never asserted). */
export const REPLAY_GOAL_SECONDS = 30;

export interface ReplayResult {
  events: number;
  projects: number;
  builds: number;
  /** Writing the events (hash-chained, as Hangar stores them) straight into an embedded store: setup, not a goal. */
  generateSeconds: number;
  /** A fresh query read model projected from position 0 to the last event. */
  rebuildSeconds: number;
  rebuildEventsPerSecond: number;
  /** CPU time (user + system) of this process during the rebuild: what other work on the machine does not inflate. */
  rebuildCpuSeconds: number;
  /** The machine's 1-minute load average when the rebuild began (2 cores: above 2, other work competed). */
  loadAverage: number;
  /** `GET /v1/audit/verify`'s work: every hash chain of the store. */
  verifySeconds: number;
  goalSeconds: number;
}

/** Builds per project, and the events each approved build leaves (its ten, and the project's LiveBuildChanged). */
const BUILDS_PER_PROJECT = 100;
const EVENTS_PER_BUILD = 11;
const INSERT_BATCH = 20_000;

/**
 * Time to replay and rebuild every read model from `eventCount` events: projects with builds that went through the
 * whole pipeline (queued to approved and live), generated straight into an embedded SQLite store with their hash
 * chains, then projected by the query service's ProjectionRunner into an empty read model, then verified.
 */
export async function benchReplay(work: string, eventCount: number): Promise<ReplayResult> {
  const dir = join(work, 'replay');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'events.sqlite');
  try {
    const generated = await timed(async () => generate(file, eventCount));
    const store = new SqliteEventStore(file, { subscriptionPageSize: 5000 });
    const readModels = new ReadModelStore(join(dir, 'read-models.sqlite'));
    try {
      const loadAverage = loadavg()[0]!;
      const cpuBefore = process.cpuUsage();
      const rebuild = await timed(async () => {
        const runner = new ProjectionRunner(store, readModels);
        runner.start();
        const caughtUp = await runner.caughtUpTo(generated.value.lastPosition, 3_600_000);
        await runner.stop();
        if (!caughtUp) throw new Error('the projection did not catch up');
      });
      const cpu = process.cpuUsage(cpuBefore);
      const verify = await timed(() => verifyHashChains((after) => store.readAll({ ...(after === undefined ? {} : { after }), limit: 5000 })));
      if (!verify.value.ok || verify.value.events !== generated.value.events) throw new Error(`verification failed: ${JSON.stringify(verify.value)}`);
      return {
        events: generated.value.events,
        projects: generated.value.projects,
        builds: generated.value.builds,
        generateSeconds: generated.seconds,
        rebuildSeconds: rebuild.seconds,
        rebuildEventsPerSecond: Math.round(generated.value.events / rebuild.seconds),
        rebuildCpuSeconds: (cpu.user + cpu.system) / 1e6,
        loadAverage,
        verifySeconds: verify.seconds,
        goalSeconds: REPLAY_GOAL_SECONDS,
      };
    } finally {
      readModels.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function replayTable(r: ReplayResult): string[] {
  return [
    `Replay and rebuild of the read models from ${r.events.toLocaleString('en')} events (${r.projects} projects, ${r.builds} builds through the whole pipeline):`,
    '',
    '| measurement | result | goal |',
    '|---|---|---|',
    `| rebuild the query read models from position 0 | ${r.rebuildSeconds.toFixed(1)} s (${r.rebuildEventsPerSecond.toLocaleString('en')} events/s; ${r.rebuildCpuSeconds.toFixed(1)} s of CPU; load average ${r.loadAverage.toFixed(1)} at the start) | under ${r.goalSeconds} s |`,
    `| verify every hash chain | ${r.verifySeconds.toFixed(1)} s | |`,
    `| generate the store (setup) | ${r.generateSeconds.toFixed(1)} s | |`,
    '',
  ];
}

interface Generated {
  events: number;
  projects: number;
  builds: number;
  lastPosition: bigint;
}

/** Appends rows the way the SQLite adapter does, in large transactions: the store's schema, Hangar's event shapes. */
async function generate(file: string, eventCount: number): Promise<Generated> {
  await new SqliteEventStore(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const heads = new Map<string, { revision: bigint; hash: string }>();
  let pending: [string, string, bigint, string, string, string, number][] = [];
  const flush = db.transaction((rows: typeof pending) => {
    for (const row of rows) insert.run(...row);
  });
  let events = 0;
  let sequence = 0;
  const start = Date.now() - eventCount;
  const append = (stream: string, type: string, data: Record<string, unknown>, actor: string) => {
    const head = heads.get(stream);
    const revision = head ? head.revision + 1n : 0n;
    const id = `00000000-0000-4000-8000-${(++sequence).toString(16).padStart(12, '0')}`;
    const previousHash = head?.hash ?? null;
    const metadata = { actor, correlationId: String(data.uploadId ?? data.projectId), previousHash };
    const hash = eventHash({ id, stream, revision, type, data, metadata }, previousHash);
    heads.set(stream, { revision, hash });
    pending.push([id, stream, revision, type, JSON.stringify(data), JSON.stringify({ ...metadata, hash }), start + events]);
    events++;
    if (pending.length >= INSERT_BATCH) {
      flush(pending);
      pending = [];
    }
  };
  const objectId = (kind: number, n: number) => `65f0c0ff${kind.toString(16)}${n.toString(16).padStart(15, '0')}`;
  const userId = objectId(1, 0);
  const at = new Date(start).toISOString();
  append(`user-${userId}`, 'UserCreated', { userId, name: 'bench', apiKeyHash: 'x'.repeat(64), at }, 'admin');
  let projects = 0;
  let builds = 0;
  let live: string | null = null;
  let projectId = '';
  while (events + EVENTS_PER_BUILD <= eventCount) {
    if (builds % BUILDS_PER_PROJECT === 0) {
      projectId = objectId(2, projects++);
      live = null;
      append(`project-${projectId}`, 'ProjectCreated', { projectId, ownerId: userId, name: `Project ${projects}`, region: 'europe', webhookUrl: null, webhookEvents: [], autoRelease: true, at }, `user:${userId}`);
    }
    const uploadId = objectId(3, builds++);
    const stream = `build-${uploadId}`;
    const base = { uploadId, projectId, at };
    const service = (name: string) => `service:${name}`;
    append(stream, 'BuildQueued', { ...base, userId, fileUrl: `https://files.example.com/${uploadId}.zip`, autoRelease: true, region: 'europe' }, `user:${userId}`);
    append(stream, 'DownloadStarted', base, service('downloader'));
    append(stream, 'DownloadCompleted', { ...base, archive: { blobKey: `uploads/${uploadId}/source.zip`, size: 1_073_741_824, sha256: 'a'.repeat(64) } }, service('downloader'));
    append(stream, 'ScanStarted', base, service('scanner'));
    append(stream, 'ScanPassed', { ...base, report: { projectName: 'Demo', executable: 'Demo.exe', shippingExecutable: 'Demo-Win64-Shipping.exe', ueVersion: '5.4.4', pixelStreaming: true, fileCount: 400, totalSize: 1_073_741_824 } }, service('scanner'));
    append(stream, 'SavingStarted', base, service('repository'));
    append(stream, 'BuildStored', { ...base, stored: { manifestKey: `manifests/${uploadId}.json`, fileCount: 400, totalBytes: 1_073_741_824, newBytes: 4096, chunkCount: 1100, dedupRatio: 0.99 }, release: true }, service('repository'));
    append(stream, 'DistributionStarted', { ...base, region: 'europe', round: 1, trigger: 'auto' }, service('distributor'));
    append(stream, 'BuildReadyOnWorker', { ...base, workerId: 'local-europe', round: 1 }, service('distributor'));
    append(stream, 'BuildApproved', { ...base, round: 1, workers: ['local-europe'] }, service('distributor'));
    append(`project-${projectId}`, 'LiveBuildChanged', { projectId, uploadId, previousUploadId: live, at }, service('distributor'));
    live = uploadId;
  }
  flush(pending);
  const { position } = db.prepare('SELECT MAX(position) AS position FROM events').safeIntegers(true).get() as { position: bigint };
  db.close();
  return { events, projects, builds, lastPosition: position };
}
