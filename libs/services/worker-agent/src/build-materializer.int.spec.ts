import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore, type BlobStore } from '@hangar/blob-store';
import {
  CHUNKS_PREFIX,
  PACKS_PREFIX,
  adoptIngestedBuild,
  chunkHashesOf,
  chunkKey,
  chunkListKey,
  chunkingFor,
  collectGarbage,
  extractionDir,
  ingestStream,
  readChunk,
  readManifest,
  storeBuild,
} from '@hangar/chunk-store';
import { collect } from '@hangar/blob-store/testing';
import type { BuildManifestFile } from '@hangar/contracts';
import { writeUeBuildZip } from '@hangar/testing';
import { BuildMaterializer } from './build-materializer';

/** Counts what the worker asks of the store. */
/** SHA-256 of the bytes a manifest's file is made of, as its chunks in the store hold them. */
function sha256OfChunks(blobs: FilesystemBlobStore, file: BuildManifestFile): string {
  const hash = createHash('sha256');
  for (const chunk of file.chunks ?? []) hash.update(readFileSync(blobs.localPath(chunkKey(chunk.hash))!));
  return hash.digest('hex');
}

function countingGets(blobs: BlobStore): { store: BlobStore; chunkGets: () => number } {
  let gets = 0;
  const store = Object.create(blobs) as BlobStore;
  store.get = (key, range) => {
    if (key.startsWith(CHUNKS_PREFIX)) gets++;
    return blobs.get(key, range);
  };
  // Read through `get` (as from S3), so that every fetch is counted.
  store.localPath = () => null;
  return { store, chunkGets: () => gets };
}

describe('BuildMaterializer (worker agent) over the chunk store', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  const chunking = chunkingFor(64 * 1024);
  const build = async (id: string, config: string, projectId = 'p') => {
    const zip = await writeUeBuildZip(join(tmp, `${id}.zip`), { name: 'Demo', seed: 'worker', pakSize: 4 * 1024 * 1024, fileCount: 60, extraFiles: [{ path: 'Demo/Config/Game.ini', content: config }] });
    return storeBuild(blobs, zip.path, { uploadId: id, projectId, createdAt: 'now' }, chunking);
  };
  /** A clock that moves one second per call, so that "least recently used" has a strict order. */
  const ticking = () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    return () => new Date((t += 1000));
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
    // Every byte in place (the pak spans several of the writer's slabs): each file is what its chunks hold.
    for (const [dir, key] of [[dirA, a.manifestKey], [dirB, b.manifestKey]] as const) {
      for (const file of (await readManifest(blobs, key)).files) {
        expect(createHash('sha256').update(readFileSync(join(dir, file.path))).digest('hex')).toBe(sha256OfChunks(blobs, file));
      }
    }
    expect(readdirSync(join(tmp, 'worker', 'builds')).sort()).toEqual(['a', 'b']);
    const figures = readFileSync(join(tmp, 'worker', 'materializations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(figures[1]).toMatchObject({ uploadId: 'b', fetchedChunks: 1, copiedChunks: b.chunkCount! - 1 });
  });

  it('moves the files the downloader extracted into place, makes the rest from chunks, and clears the extraction', async () => {
    const a = await build('a', 'Version=1\n');
    const manifest = await readManifest(blobs, a.manifestKey);
    const root = join(tmp, 'extracted');
    const dir = extractionDir(root, 'a');
    mkdirSync(dir, { recursive: true });
    // What the ingest would have extracted: every file but the pak, each named by its chunk list.
    const pak = manifest.files.find((f) => f.path.endsWith('.pak'))!;
    const extracted = manifest.files.filter((f) => f !== pak && f.chunks!.length > 0);
    for (const file of extracted) {
      writeFileSync(join(dir, chunkListKey(file.chunks!)), Buffer.concat(file.chunks!.map((c) => readFileSync(blobs.localPath(chunkKey(c.hash))!))));
    }
    const { store, chunkGets } = countingGets(blobs);
    const worker = new BuildMaterializer(store, join(tmp, 'worker'), { extractionRoot: root });
    const built = await worker.materialize(a.manifestKey);
    expect(chunkGets()).toBe(pak.chunks!.length);
    for (const file of manifest.files) {
      expect(createHash('sha256').update(readFileSync(join(built, file.path))).digest('hex')).toBe(sha256OfChunks(blobs, file));
    }
    const [record] = readFileSync(join(tmp, 'worker', 'materializations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(record).toMatchObject({ uploadId: 'a', adoptedFiles: extracted.length, adoptedBytes: extracted.reduce((sum, f) => sum + f.size, 0), fetchedChunks: pak.chunks!.length });
    expect(existsSync(dir)).toBe(false);
  });

  it('makes a build whose large files the ingest stored as packs, reading their chunks by range from the pack', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'packed.zip'), { name: 'Demo', seed: 'packs', pakSize: 4 * 1024 * 1024, fileCount: 20 });
    const root = join(tmp, 'extracted');
    const report = await ingestStream(blobs, createReadStream(zip.path), chunking, undefined, extractionDir(root, 'p1'));
    const stored = await adoptIngestedBuild(blobs, zip.path, { ...report, archive: { size: zip.size, sha256: '' } }, { uploadId: 'p1', projectId: 'p', createdAt: 'now' }, chunking);
    const manifest = await readManifest(blobs, stored!.manifestKey);
    const pak = manifest.files.find((f) => f.path.endsWith('.pak'))!;
    // Every file past the smallest chunk is a pack of its own; the pak's chunks are in no object.
    expect((await collect(blobs.list(PACKS_PREFIX))).map((b) => b.key)).toContain(`${PACKS_PREFIX}${chunkListKey(pak.chunks!)}`);
    expect(await blobs.stat(chunkKey(pak.chunks![0].hash))).toBeNull();
    // The extraction gone (no worker took it): the pack, a second name of the pak's extracted file, stays.
    rmSync(root, { recursive: true, force: true });
    const expected = new Map(await Promise.all(manifest.files.map(async (f) => [f.path, createHash('sha256').update(Buffer.concat(await Promise.all((f.chunks ?? []).map((c) => readChunk(blobs, c.hash))))).digest('hex')] as const)));
    const built = await new BuildMaterializer(blobs, join(tmp, 'worker')).materialize(stored!.manifestKey);
    for (const file of manifest.files) expect(createHash('sha256').update(readFileSync(join(built, file.path))).digest('hex')).toBe(expected.get(file.path));
  });

  it('removes, when it starts, extracted folders that no distribution took within a day', async () => {
    const root = join(tmp, 'extracted');
    for (const name of ['stale', 'recent']) mkdirSync(join(root, name, 'x'), { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(root, 'stale'), twoDaysAgo, twoDaysAgo);
    await new BuildMaterializer(blobs, join(tmp, 'worker'), { extractionRoot: root }).start();
    expect(readdirSync(root)).toEqual(['recent']);
  });

  it('fetches a chunk again when the build folder it would be copied from was changed on disk', async () => {
    const a = await build('a', 'Version=1\n');
    const b = await build('b', 'Version=2\n');
    const worker = new BuildMaterializer(blobs, join(tmp, 'worker'));
    const dirA = await worker.materialize(a.manifestKey);
    // Someone edits A's pak in place: B must not inherit the edit.
    writeFileSync(join(dirA, 'Demo/Content/Paks/Demo-Windows.pak'), Buffer.alloc(4 * 1024 * 1024, 7));
    const { store, chunkGets } = countingGets(blobs);
    const again = new BuildMaterializer(store, join(tmp, 'worker'));
    const dirB = await again.materialize(b.manifestKey);
    const pakChunks = new Set((await readManifest(blobs, b.manifestKey)).files.find((f) => f.path.endsWith('.pak'))!.chunks!.map((c) => c.hash));
    expect(chunkGets()).toBe(1 + pakChunks.size);
    const fresh = new BuildMaterializer(blobs, join(tmp, 'fresh-worker'));
    const reference = await fresh.materialize(b.manifestKey);
    expect(readFileSync(join(dirB, 'Demo/Content/Paks/Demo-Windows.pak')).equals(readFileSync(join(reference, 'Demo/Content/Paks/Demo-Windows.pak')))).toBe(true);
  });

  it('evicts the least recently distributed build folders beyond its budget, never the newest of a project', async () => {
    const a = await build('a', 'Version=1\n');
    const b = await build('b', 'Version=2\n');
    const c = await build('c', 'Version=3\n', 'q');
    // A budget smaller than one build: only what may never go stays.
    const now = ticking();
    const worker = new BuildMaterializer(blobs, join(tmp, 'worker'), { cacheBytes: 1, now });
    const builds = () => readdirSync(join(tmp, 'worker', 'builds')).sort();
    await worker.materialize(a.manifestKey);
    expect(builds()).toEqual(['a']);
    await worker.materialize(b.manifestKey);
    expect(builds()).toEqual(['b']); // a was p's newest until b came
    await worker.materialize(c.manifestKey);
    expect(builds()).toEqual(['b', 'c']); // b is p's newest, c is q's
    // Rolling p back to a: a is made again (from b's folder, all but one chunk) and b, no longer p's newest, goes.
    const { store, chunkGets } = countingGets(blobs);
    const rollback = new BuildMaterializer(store, join(tmp, 'worker'), { cacheBytes: 1, now });
    await rollback.materialize(a.manifestKey);
    expect(chunkGets()).toBe(1);
    expect(builds()).toEqual(['a', 'c']);
    expect(readdirSync(join(tmp, 'worker', 'local-builds')).sort()).toEqual(['a.json', 'c.json']);
  });

  it('keeps every build folder within a large budget, and a rollback to one present fetches nothing', async () => {
    const a = await build('a', 'Version=1\n');
    const b = await build('b', 'Version=2\n');
    const { store, chunkGets } = countingGets(blobs);
    const worker = new BuildMaterializer(store, join(tmp, 'worker'), { cacheBytes: 1024 ** 3, now: ticking() });
    await worker.materialize(a.manifestKey);
    await worker.materialize(b.manifestKey);
    const before = chunkGets();
    await worker.materialize(a.manifestKey);
    expect(chunkGets()).toBe(before);
    expect(worker.lastFetchedChunks).toBe(0);
    expect(readdirSync(join(tmp, 'worker', 'builds')).sort()).toEqual(['a', 'b']);
  });

  it('forgets a deleted build: its folder and record go, the others stay and still serve later builds', async () => {
    const a = await build('a', 'Version=1\n');
    const b = await build('b', 'Version=2\n');
    const worker = new BuildMaterializer(blobs, join(tmp, 'worker'));
    await worker.materialize(a.manifestKey);
    await worker.materialize(b.manifestKey);
    await expect(worker.forget('a')).resolves.toBe(true);
    expect(readdirSync(join(tmp, 'worker', 'builds'))).toEqual(['b']);
    expect(readdirSync(join(tmp, 'worker', 'local-builds'))).toEqual(['b.json']);
    await expect(worker.forget('a')).resolves.toBe(true); // again, or a build never here: nothing to do
    await expect(worker.forget('never-here')).resolves.toBe(true);
    expect(await worker.isMaterialized('b')).toBe(true);
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
