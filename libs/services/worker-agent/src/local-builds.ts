import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildManifest } from '@hangar/contracts';

/**
 * What the worker keeps about a build folder it holds: the manifest it was made from (so its chunks can be copied
 * into later builds instead of fetched) and when it was last distributed here (for eviction).
 */
export interface LocalBuildRecord {
  uploadId: string;
  projectId: string;
  totalBytes: number;
  /** When a distribution last asked for this build here (materialised or found present), ISO time. */
  lastUsedAt: string;
  files: BuildManifest['files'];
}

/**
 * The records of the build folders under `<root>/builds`, one JSON file each in `<root>/local-builds/`. A record is
 * written before its folder is renamed into place and removed after its folder is: a record may name a folder that
 * is gone (ignored), never the other way round for long (a folder found without one gets it at its next use).
 */
export class LocalBuilds {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'local-builds');
  }

  private pathOf(uploadId: string): string {
    return join(this.dir, `${uploadId}.json`);
  }

  async list(): Promise<LocalBuildRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const records: LocalBuildRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const record = await readFile(join(this.dir, name), 'utf8').then(
        (text) => JSON.parse(text) as LocalBuildRecord,
        () => null, // removed meanwhile, or a write torn by a crash: the folder gets a new record at its next use
      );
      if (record) records.push(record);
    }
    return records;
  }

  /** Written under a temporary name and renamed: a reader never sees half a record. */
  async save(manifest: BuildManifest, usedAt: Date): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const record: LocalBuildRecord = {
      uploadId: manifest.uploadId,
      projectId: manifest.projectId,
      totalBytes: manifest.totalBytes,
      lastUsedAt: usedAt.toISOString(),
      files: manifest.files,
    };
    const temporary = `${this.pathOf(manifest.uploadId)}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(record));
    await rename(temporary, this.pathOf(manifest.uploadId));
  }

  async remove(uploadId: string): Promise<void> {
    await rm(this.pathOf(uploadId), { force: true });
  }
}
