import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore, type BlobStore } from '@hangar/blob-store';
import { CHUNKS_PREFIX, chunkHashesOf, chunkingFor, collectGarbage, readManifest, storeBuild } from '@hangar/chunk-store';
import { writeUeBuildZip } from '@hangar/testing';
import { BuildMaterializer } from './build-materializer';

/** Counts what the worker asks of the store. */
function countingGets(blobs: BlobStore): { store: BlobStore; chunkGets: () => number } {
  let gets = 0;
  const store = Object.create(blobs) as BlobStore;
  store.get = (key, range) => {
    if (key.startsWith(CHUNKS_PREFIX)) gets++;
    return blobs.get(key, range);
  };
  return { store, chunkGets: () => gets };
}

describe('BuildMaterializer (worker agent) over the chunk store', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  const chunking = chunkingFor(64 * 1024);
  const build = async (id: string, config: string) => {
    const zip = await writeUeBuildZip(join(tmp, `${id}.zip`), { name: 'Demo', seed: 'worker', pakSize: 4 * 1024 * 1024, fileCount: 60, extraFiles: [{ path: 'Demo/Config/Game.ini', content: config }] });
    return storeBuild(blobs, zip.path, { uploadId: id, projectId: 'p', createdAt: 'now' }, chunking);
  };

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-worker-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(async () => {
    await blobs.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('fetches only the chunks it lacks: the second build costs its new chunks, and every file is verified', async () => {
    const a = await build('a', 'Version=1\n');
    const b = await build('b', 'Version=2\n');
    const { store, chunkGets } = countingGets(blobs);
    const worker = new BuildMaterializer(store, join(tmp, 'worker'));

    const dirA = await worker.materialize(a.manifestKey);
    expect(chunkGets()).toBe(a.chunkCount);
    const dirB = await worker.materialize(b.manifestKey);
    const [chunksA, chunksB] = [chunkHashesOf(await readManifest(blobs, a.manifestKey)), chunkHashesOf(await readManifest(blobs, b.manifestKey))];
    const onlyInB = [...chunksB].filter((h) => !chunksA.has(h));
    expect(onlyInB.length).toBe(1);
    expect(worker.lastFetchedChunks).toBe(1);
    expect(chunkGets()).toBe(a.chunkCount! + 1);

    expect(readFileSync(join(dirA, 'Demo/Config/Game.ini'), 'utf8')).toBe('Version=1\n');
    expect(readFileSync(join(dirB, 'Demo/Config/Game.ini'), 'utf8')).toBe('Version=2\n');
    expect(readFileSync(join(dirB, 'Demo/Content/Paks/Demo-Windows.pak')).length).toBe(4 * 1024 * 1024);
    expect(readdirSync(join(tmp, 'worker', 'builds')).sort()).toEqual(['a', 'b']);
  });

  it('refuses a chunk whose bytes do not match its hash, and leaves no build folder', async () => {
    const a = await build('a', 'x');
    const manifest = await readManifest(blobs, a.manifestKey);
    const victim = manifest.files.find((f) => f.path.endsWith('.pak'))!.chunks![1].hash;
    await blobs.put(`${CHUNKS_PREFIX}${victim}`, Buffer.alloc(10));
    const worker = new BuildMaterializer(blobs, join(tmp, 'worker'));
    await expect(worker.materialize(a.manifestKey)).rejects.toThrow(`chunk ${victim} from the store hashes to`);
    expect(await worker.isMaterialized('a')).toBe(false);
  });

  it('after build B is deleted and collected, the chunks only B used are gone and A still materialises', async () => {
    const a = await build('a', 'Version=1\n');
    const b = await build('b', 'Version=2\n');
    const [chunksA, chunksB] = [chunkHashesOf(await readManifest(blobs, a.manifestKey)), chunkHashesOf(await readManifest(blobs, b.manifestKey))];
    await blobs.delete(b.manifestKey);
    const collected = await collectGarbage(blobs);
    expect(collected.deletedChunks).toBe([...chunksB].filter((h) => !chunksA.has(h)).length);
    for (const hash of chunksA) expect(await blobs.stat(`${CHUNKS_PREFIX}${hash}`)).not.toBeNull();
    for (const hash of chunksB) if (!chunksA.has(hash)) expect(await blobs.stat(`${CHUNKS_PREFIX}${hash}`)).toBeNull();

    const fresh = new BuildMaterializer(blobs, join(tmp, 'fresh-worker'));
    const dir = await fresh.materialize(a.manifestKey);
    expect(readFileSync(join(dir, 'Demo/Config/Game.ini'), 'utf8')).toBe('Version=1\n');
  });
});
