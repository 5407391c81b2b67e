import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalBuildRecord, LocalBuilds } from './local-builds';

/**
 * Keeps the worker's build folders within `budgetBytes`: the least recently distributed go first. Never evicted: the
 * newest build of each project here (what this worker serves for it: a rollback distributes the older build again,
 * which makes it the newest) and the builds in `inUse` (being materialised). The budget can thus be exceeded when
 * those alone need more. A folder is renamed away first, so it disappears at once, then removed.
 */
export async function evictLeastRecentlyUsed(root: string, builds: LocalBuilds, budgetBytes: number, inUse: ReadonlySet<string>): Promise<string[]> {
  // Chunks kept by versions before the build folders became the cache: nothing reads them any more.
  await rm(join(root, 'chunks'), { recursive: true, force: true });
  const present: LocalBuildRecord[] = [];
  for (const record of await builds.list()) {
    const exists = await stat(join(root, 'builds', record.uploadId)).then(() => true, () => false);
    if (exists || inUse.has(record.uploadId)) present.push(record);
    else await builds.remove(record.uploadId); // a record left behind by a crash midway through an eviction
  }
  const newestOfProject = new Map<string, LocalBuildRecord>();
  for (const record of present) {
    const newest = newestOfProject.get(record.projectId);
    if (!newest || record.lastUsedAt > newest.lastUsedAt) newestOfProject.set(record.projectId, record);
  }
  const kept = new Set([...newestOfProject.values()].map((r) => r.uploadId));
  let total = present.reduce((sum, r) => sum + r.totalBytes, 0);
  const evicted: string[] = [];
  const candidates = present.filter((r) => !kept.has(r.uploadId) && !inUse.has(r.uploadId)).sort((a, b) => a.lastUsedAt.localeCompare(b.lastUsedAt));
  for (const record of candidates) {
    if (total <= budgetBytes) break;
    await removeBuildFolder(root, builds, record.uploadId);
    total -= record.totalBytes;
    evicted.push(record.uploadId);
  }
  return evicted;
}

/**
 * Removes a build folder and its record: renamed away first, so it disappears at once, then deleted. A folder that is
 * not there (never made here, or gone already) leaves nothing to do.
 */
export async function removeBuildFolder(root: string, builds: LocalBuilds, uploadId: string): Promise<void> {
  const away = join(root, 'builds', `.evicting-${uploadId}-${randomBytes(4).toString('hex')}`);
  const moved = await rename(join(root, 'builds', uploadId), away).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  await builds.remove(uploadId);
  if (moved) await rm(away, { recursive: true, force: true });
}
