import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore, type BlobStore } from '@hangar/blob-store';
import { writeUeBuildZip } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { CHUNKS_PREFIX, manifestKey } from './content-keys';
import { copyBuild, storeBuild } from './build-storage';
import { chunkHashesOf, readManifest } from './manifest-io';

describe('storing builds in the content-addressed store', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  const chunking = chunkingFor(64 * 1024);
  const chunkCount = async () => {
    let n = 0;
    for await (const _ of blobs.list(CHUNKS_PREFIX)) n++;
    return n;
  };
  const zip = (name: string, config: string) =>
    writeUeBuildZip(join(tmp, name), { name: 'Demo', seed: 'dedup', pakSize: 8 * 1024 * 1024, fileCount: 200, extraFiles: [{ path: 'Demo/Config/Game.ini', content: config }] });

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-chunks-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(async () => {
    await blobs.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stores a build that differs from an earlier one in one small file with only the new chunks', async () => {
    const a = await zip('a.zip', '[Game]\nVersion=1\n');
    const b = await zip('b.zip', '[Game]\nVersion=2\n');
    const storedA = await storeBuild(blobs, a.path, { uploadId: 'a', projectId: 'p', createdAt: 'now' }, chunking);
    expect(storedA).toMatchObject({ manifestKey: manifestKey('a'), fileCount: a.fileCount, totalBytes: a.totalSize, newBytes: expect.any(Number) });
    expect(storedA.newBytes).toBeGreaterThan(a.totalSize * 0.9);

    const storedB = await storeBuild(blobs, b.path, { uploadId: 'b', projectId: 'p', createdAt: 'now' }, chunking);
    expect(storedB.totalBytes).toBe(b.totalSize);
    expect(storedB.newBytes).toBeLessThanOrEqual(b.totalSize * 0.01 + chunking.maxSize);
    expect(storedB.newBytes).toBeGreaterThan(0);
    expect(storedB.dedupRatio).toBeGreaterThan(0.99);

    const manifest = await readManifest(blobs, storedB.manifestKey);
    const config = manifest.files.find((f) => f.path === 'Demo/Config/Game.ini');
    expect(config).toMatchObject({ size: 17, chunks: [{ hash: expect.stringMatching(/^[0-9a-f]{64}$/), size: 17 }] });
    // The chunks' hashes name the file's bytes; no second SHA-256 of the whole file (nothing would check it).
    expect(config).not.toHaveProperty('sha256');
    expect(manifest.files.find((f) => f.path.endsWith('.pak'))!.chunks!.length).toBeGreaterThan(8 * 1024 * 1024 / chunking.maxSize);
  });

  it('puts chunks without waiting for the disk, and flushes every chunk the manifest names before writing it', async () => {
    const a = await zip('a.zip', 'x');
    const steps: string[] = [];
    const synced = new Set<string>();
    const watched = Object.create(blobs) as BlobStore;
    watched.put = (key, body, options) => {
      steps.push(key.startsWith(CHUNKS_PREFIX) ? `chunk durable=${options?.durable ?? true}` : `put ${key}`);
      return blobs.put(key, body, options);
    };
    watched.sync = async (keys) => {
      steps.push('sync');
      for (const key of keys) synced.add(key);
      return blobs.sync(keys);
    };
    const stored = await storeBuild(watched, a.path, { uploadId: 'a', projectId: 'p', createdAt: 'now' }, chunking);
    expect(new Set(steps.filter((s) => s.startsWith('chunk')))).toEqual(new Set(['chunk durable=false']));
    expect(steps.slice(-2)).toEqual(['sync', `put ${manifestKey('a')}`]);
    const manifest = await readManifest(blobs, stored.manifestKey);
    expect(synced).toEqual(new Set([...chunkHashesOf(manifest)].map((hash) => `${CHUNKS_PREFIX}${hash}`)));
  });

  it('copies a build as a new manifest over the same chunks, adding none', async () => {
    const a = await zip('a.zip', 'x');
    const stored = await storeBuild(blobs, a.path, { uploadId: 'a', projectId: 'p', createdAt: 'now' }, chunking);
    const before = await chunkCount();
    const copy = await copyBuild(blobs, stored.manifestKey, { uploadId: 'c', projectId: 'q', createdAt: 'later' });
    expect(copy).toEqual({ ...stored, manifestKey: manifestKey('c'), newBytes: 0, dedupRatio: 1 });
    expect(await chunkCount()).toBe(before);
    expect((await readManifest(blobs, copy.manifestKey)).files).toEqual((await readManifest(blobs, stored.manifestKey)).files);
  });
});
