import { readFile, readdir, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startFileServer, writeUeBuildZip } from '@hangar/testing';
import { startHangar } from './hangar-process';
import { timed } from './timing';

/** The goals the measurements are held against (printed beside them, never asserted). */
export const REPOSITORY_GOALS = {
  rollbackSeconds: 2,
  /** B's new bytes at most this fraction of B, plus one (mean-sized) chunk. */
  newBytesFraction: 0.01,
} as const;

export interface RepositoryResult {
  sizeMiB: number;
  region: string;
  /** Build B = build A plus one small changed file. */
  buildB: {
    totalBytes: number;
    newBytes: number;
    chunkCount: number;
    dedupRatio: number;
    newBytesFraction: number;
    /** What the worker fetched from the store for B (its materialisation log, `<workerDir>/materializations.jsonl`). */
    workerFetchedBytes: number;
    workerFetchedChunks: number;
    workerFetchedFraction: number;
    /** The goal for newBytes: 1 % of B plus one mean-sized chunk (totalBytes / chunkCount). */
    newBytesGoal: number;
  };
  rollback: {
    /** `POST /v1/builds/<A>/live` with B live, until `GET /v1/projects/:id` answers `liveUploadId` = A. */
    seconds: number;
    workerFetchedBytes: number;
    goalSeconds: number;
  };
  copy: {
    /** `POST /v1/builds/<B>/copy` to a second project, until the copy is Approved. */
    seconds: number;
    newBytes: number;
    /** Growth of `<dataDir>/blobs` on disk during the copy (a manifest, no chunk). */
    blobBytesAdded: number;
    blobFilesAdded: number;
    workerFetchedBytes: number;
  };
}

/** What a worker has fetched from the store so far: the sums over its materialisation log (none: zero). */
async function workerFetched(workerDir: string): Promise<{ bytes: number; files: number }> {
  const log = await readFile(join(workerDir, 'materializations.jsonl'), 'utf8').catch(() => '');
  const lines = log.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { fetchedBytes: number; fetchedChunks: number });
  return { bytes: lines.reduce((sum, l) => sum + l.fetchedBytes, 0), files: lines.reduce((sum, l) => sum + l.fetchedChunks, 0) };
}
const since = (before: { bytes: number; files: number }, after: { bytes: number; files: number }) => ({ bytes: after.bytes - before.bytes, files: after.files - before.files });

/** Every regular file under `dir` (recursively), path → size; empty when `dir` does not exist. */
async function sizes(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.set(path, await stat(path).then((s) => s.size, () => 0));
    }
  };
  await walk(dir);
  return found;
}

/** Files present in `after` and not in `before` (or with another size): how many and their bytes. */
export function added(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const [path, size] of after) {
    if (before.get(path) === size) continue;
    files++;
    bytes += size - (before.get(path) ?? 0);
  }
  return { files, bytes };
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Repository and distribution: build A (a generated UE build of `sizeMiB`), then B (= A with one small file changed)
 * through embedded Hangar; what B cost in the chunk store and on the worker, a rollback to A (cached on the worker),
 * and a copy of B to another project.
 */
export async function benchRepository(root: string, work: string, sizeMiB: number): Promise<RepositoryResult> {
  const region = 'europe';
  const build = (version: string) =>
    writeUeBuildZip(join(work, `repo-${version}.zip`), {
      name: 'Repo',
      pakSize: Math.round(sizeMiB * 2 ** 20),
      pakCompression: 'store',
      fileCount: 400,
      seed: `repo-${sizeMiB}`,
      extraFiles: [{ path: 'Repo/Content/BenchVersion.ini', content: `[Build]\nVersion=${version}\n${'Padding=0123456789abcdef\n'.repeat(160)}` }],
    });
  const [zipA, zipB] = [await build('A'), await build('B')];
  const files = await startFileServer();
  files.serveFile('/a.zip', zipA.path);
  files.serveFile('/b.zip', zipB.path);
  const dataDir = join(work, 'hangar-repo-data');
  rmSync(dataDir, { recursive: true, force: true });
  const blobDir = join(dataDir, 'blobs');
  const workerDir = join(dataDir, 'workers', region);
  // Without local extraction: what is measured is what a worker fetches from the store (a worker beside the
  // downloader would adopt the extracted files and fetch nothing at all).
  const hangar = await startHangar(root, dataDir, { HANGAR_BLOB_DIR: blobDir, HANGAR_LOCAL_EXTRACTION: 'false' });
  try {
    const { api } = hangar;
    const user = await api.createUser(hangar.adminToken, 'bench');
    const v1 = (method: string, path: string, body?: unknown) => api.call(method, path, { bearer: user.apiKey, body });
    const project = await api.createProject(user.apiKey, { name: 'Repo', region });
    const upload = async (path: string) => {
      const { body } = await api.uploadFile(user, project.id, files.url(path));
      const file = await api.waitForFile(user, project.id, body.uploadId, (f) => (f.status === 'Approved' && f.live) || f.status === 'Reject', 30 * 60_000);
      if (file.status !== 'Approved') throw new Error(`bench build rejected: ${file.objection} (${file.reason})`);
      return body.uploadId as string;
    };

    const a = await upload('/a.zip');
    const fetchedAfterA = await workerFetched(workerDir);
    const b = await upload('/b.zip');
    const fetchedAfterB = await workerFetched(workerDir);
    const storage = (await v1('GET', `/v1/builds/${b}`)).body.storage as { totalBytes: number; newBytes: number; chunkCount: number; dedupRatio: number };
    const fetchedB = since(fetchedAfterA, fetchedAfterB);

    const rollback = await timed(async () => {
      const answer = await v1('POST', `/v1/builds/${a}/live`);
      if (answer.status !== 202) throw new Error(`rollback: ${answer.status} ${JSON.stringify(answer.body)}`);
      await poll(() => v1('GET', `/v1/projects/${project.id}`).then((r) => r.body.liveUploadId), (live) => live === a, 60_000, 'rollback to A');
    });
    const fetchedAfterRollback = await workerFetched(workerDir);

    const target = await api.createProject(user.apiKey, { name: 'Repo copy', region });
    const blobsBefore = await sizes(blobDir);
    const copy = await timed(async () => {
      const answer = await v1('POST', `/v1/builds/${b}/copy`, { projectId: target.id });
      if (answer.status !== 202) throw new Error(`copy: ${answer.status} ${JSON.stringify(answer.body)}`);
      const id = answer.body.uploadId as string;
      return poll(() => v1('GET', `/v1/builds/${id}`).then((r) => r.body), (build) => build.status === 'Approved' || build.status === 'Reject', 10 * 60_000, 'copy Approved');
    });
    if (copy.value.status !== 'Approved') throw new Error(`copy rejected: ${JSON.stringify(copy.value)}`);
    const blobsAdded = added(blobsBefore, await sizes(blobDir));
    const fetchedAfterCopy = await workerFetched(workerDir);

    return {
      sizeMiB,
      region,
      buildB: {
        totalBytes: storage.totalBytes,
        newBytes: storage.newBytes,
        chunkCount: storage.chunkCount,
        dedupRatio: storage.dedupRatio,
        newBytesFraction: storage.newBytes / storage.totalBytes,
        workerFetchedBytes: fetchedB.bytes,
        workerFetchedChunks: fetchedB.files,
        workerFetchedFraction: fetchedB.bytes / storage.totalBytes,
        newBytesGoal: Math.round(REPOSITORY_GOALS.newBytesFraction * storage.totalBytes + storage.totalBytes / Math.max(1, storage.chunkCount)),
      },
      rollback: { seconds: rollback.seconds, workerFetchedBytes: since(fetchedAfterB, fetchedAfterRollback).bytes, goalSeconds: REPOSITORY_GOALS.rollbackSeconds },
      copy: {
        seconds: copy.seconds,
        newBytes: copy.value.storage?.newBytes,
        blobBytesAdded: blobsAdded.bytes,
        blobFilesAdded: blobsAdded.files,
        workerFetchedBytes: since(fetchedAfterRollback, fetchedAfterCopy).bytes,
      },
    };
  } finally {
    await hangar.stop();
    await files.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(zipA.path, { force: true });
    rmSync(zipB.path, { force: true });
  }
}

const mib = (bytes: number) => (bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`);
const pct = (fraction: number) => `${(fraction * 100).toFixed(3)} %`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The markdown section of `latest.md`: each number beside its goal. */
export function repositoryTable(r: RepositoryResult): string[] {
  const b = r.buildB;
  return [
    `## Repository and distribution (build A ${r.sizeMiB} MiB, B = A + one small changed file, region ${r.region})`,
    '',
    '| measurement | value | goal | |',
    '|---|---|---|---|',
    `| B: new bytes stored (storage.newBytes / totalBytes) | ${mib(b.newBytes)} of ${mib(b.totalBytes)} (${pct(b.newBytesFraction)}), ${b.chunkCount} chunks | ≤ 1 % + one chunk (${mib(b.newBytesGoal)}) | ${verdict(b.newBytes <= b.newBytesGoal)} |`,
    `| B: bytes the worker fetched from the store | ${mib(b.workerFetchedBytes)} in ${b.workerFetchedChunks} chunk(s) (${pct(b.workerFetchedFraction)}) | ≤ 1 % + one chunk (${mib(b.newBytesGoal)}) | ${verdict(b.workerFetchedBytes <= b.newBytesGoal)} |`,
    `| rollback to A: POST …/live → liveUploadId = A | ${r.rollback.seconds.toFixed(2)} s, worker fetched ${mib(r.rollback.workerFetchedBytes)} | < ${r.rollback.goalSeconds} s | ${verdict(r.rollback.seconds < r.rollback.goalSeconds)} |`,
    `| copy B to another project: POST …/copy → Approved | ${r.copy.seconds.toFixed(2)} s | — | |`,
    `| copy: storage.newBytes, blob store growth on disk | newBytes ${r.copy.newBytes}, +${mib(r.copy.blobBytesAdded)} in ${r.copy.blobFilesAdded} file(s), worker fetched ${mib(r.copy.workerFetchedBytes)} | ≈ 0 (a manifest) | ${verdict(r.copy.newBytes === 0 && r.copy.blobBytesAdded < b.totalBytes / Math.max(1, b.chunkCount))} |`,
    '',
  ];
}
