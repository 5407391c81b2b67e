import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BuildManifest } from '@hangar/contracts';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect } from '@hangar/blob-store/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { writeContents, type ContentsCopy } from '../content-store/chunk-writer';
import { PACKS_PREFIX } from '../content-store/chunk-packs';
import { PackIndex } from '../content-store/pack-index';
import { CHUNKS_PREFIX, chunkKey, manifestKey } from '../content-store/content-keys';
import { chunkHashesOf, writeManifest } from '../content-store/manifest-io';
import { ChunksMissing, confirmChunks, missingChunks } from './chunk-confirmation';
import { COLLECTION_MARKERS_PREFIX, collectionsBefore, noCollectionSince } from './collection-markers';
import { collectGarbage } from './garbage-collector';

describe('chunk garbage collection', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  const chunking = chunkingFor(1024);
  const bytes = (seed: number, size = 8 * 1024) => Buffer.from(Array.from({ length: size }, (_, i) => (Math.imul(i + 1, 2654435761 + seed) >>> 13) & 0xff));
  const storeFile = async (uploadId: string, contents: Buffer): Promise<BuildManifest> => {
    const written = await writeContents(blobs, Readable.from([contents]), chunking);
    const manifest: BuildManifest = { uploadId, projectId: 'p', createdAt: 'now', totalBytes: written.size, files: [{ path: 'f', size: written.size, crc32: 0, chunks: written.chunks }] };
    await writeManifest(blobs, manifestKey(uploadId), manifest);
    return manifest;
  };
  const chunks = async () => {
    const keys: string[] = [];
    for await (const blob of blobs.list(CHUNKS_PREFIX)) keys.push(blob.key);
    return keys;
  };

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-gc-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(async () => {
    await blobs.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reclaims the chunks no manifest references, keeps the rest, and leaves no marker behind', async () => {
    const shared = bytes(1);
    const a = await storeFile('a', Buffer.concat([shared, bytes(2)]));
    await storeFile('b', Buffer.concat([shared, bytes(3)]));
    const before = await chunks();
    await blobs.delete(manifestKey('b'));
    const result = await collectGarbage(blobs);
    const after = await chunks();
    expect(result.deletedChunks).toBe(before.length - after.length);
    expect(result.deletedChunks).toBeGreaterThan(0);
    expect(after.sort()).toEqual([...new Set(a.files[0].chunks!.map((c) => chunkKey(c.hash)))].sort());
    for await (const _ of blobs.list(COLLECTION_MARKERS_PREFIX)) throw new Error('marker left behind');
  });

  it('a build that reused chunks while a pass deleted them finds out when it confirms, and storing it again puts them back', async () => {
    await storeFile('a', bytes(4));
    await blobs.delete(manifestKey('a'));
    // Build c reuses a's chunks (stat finds them) just before the pass, which does not see c's manifest yet.
    const written = await writeContents(blobs, Readable.from([bytes(4)]), chunking);
    expect(written.newBytes).toBe(0);
    await collectGarbage(blobs);
    const manifest: BuildManifest = { uploadId: 'c', projectId: 'p', createdAt: 'now', totalBytes: written.size, files: [{ path: 'f', size: written.size, crc32: 0, chunks: written.chunks }] };
    await writeManifest(blobs, manifestKey('c'), manifest);
    await expect(confirmChunks(blobs, manifest)).rejects.toBeInstanceOf(ChunksMissing);

    const again = await storeFile('c', bytes(4));
    await expect(confirmChunks(blobs, again)).resolves.toBeUndefined();
    expect(await collectGarbage(blobs)).toMatchObject({ deletedChunks: 0 });
  });

  it('confirming waits for a running pass to finish; a crashed pass older than the limit is ignored', async () => {
    const manifest = await storeFile('a', bytes(5));
    const marker = `${COLLECTION_MARKERS_PREFIX}${Date.now()}-test`;
    await blobs.put(marker, Buffer.alloc(0));
    let confirmed = false;
    const confirming = confirmChunks(blobs, manifest, 20).then(() => (confirmed = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(confirmed).toBe(false);
    await blobs.delete(marker);
    await confirming;
    expect(confirmed).toBe(true);

    await blobs.put(`${COLLECTION_MARKERS_PREFIX}${Date.now() - 2 * 60 * 60 * 1000}-crashed`, Buffer.alloc(0));
    await expect(confirmChunks(blobs, manifest, 20)).resolves.toBeUndefined();
  });

  it('tells a writer whether any pass started since it began: each pass names itself the latest before it deletes', async () => {
    const begun = await collectionsBefore(blobs);
    expect(begun).toEqual({ latestPass: null });
    await expect(noCollectionSince(blobs, begun!)).resolves.toBe(true);

    await collectGarbage(blobs);
    await expect(noCollectionSince(blobs, begun!)).resolves.toBe(false);
    const afterOne = await collectionsBefore(blobs);
    expect(afterOne!.latestPass).toMatch(new RegExp(`^${COLLECTION_MARKERS_PREFIX}\\d+-`));
    await expect(noCollectionSince(blobs, afterOne!)).resolves.toBe(true);

    // A pass running (its marker there): nothing can be skipped, whether it was running at the start or is now.
    const marker = `${COLLECTION_MARKERS_PREFIX}${Date.now()}-running`;
    await blobs.put(marker, Buffer.alloc(0));
    await expect(collectionsBefore(blobs)).resolves.toBeNull();
    await expect(noCollectionSince(blobs, afterOne!)).resolves.toBe(false);
    await blobs.delete(marker);
    await expect(noCollectionSince(blobs, afterOne!)).resolves.toBe(true);
  });

  it('looks up a build\'s chunks several at a time, and names the missing ones in the order asked', async () => {
    const manifest = await storeFile('a', bytes(6, 64 * 1024));
    const hashes = manifest.files[0].chunks!.map((c) => c.hash);
    expect(hashes.length).toBeGreaterThan(20);
    const gone = [hashes[3], hashes[17]];
    for (const hash of gone) await blobs.delete(chunkKey(hash));
    let running = 0;
    let most = 0;
    const slow = Object.create(blobs) as FilesystemBlobStore;
    slow.stat = async (key) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return blobs.stat(key);
    };
    await expect(missingChunks(slow, ['0'.repeat(64), ...hashes])).resolves.toEqual(['0'.repeat(64), ...gone]);
    expect(most).toBeGreaterThan(1);
  });

  describe('packs', () => {
    /** A file stored from a copy of it (an extraction): it becomes a pack (`packFile`). */
    const storePacked = async (uploadId: string, contents: Buffer): Promise<BuildManifest> => {
      const path = join(tmp, `${uploadId}.copy`);
      const copy: ContentsCopy = {
        packs: true,
        append: async () => undefined,
        complete: async () => (writeFileSync(path, contents), path),
        abort: async () => undefined,
      };
      const written = await writeContents(blobs, Readable.from([contents]), chunking, undefined, copy);
      const manifest: BuildManifest = { uploadId, projectId: 'p', createdAt: 'now', totalBytes: written.size, files: [{ path: 'f', size: written.size, crc32: 0, chunks: written.chunks }] };
      await writeManifest(blobs, manifestKey(uploadId), manifest);
      return manifest;
    };
    const keys = async (prefix: string) => (await collect(blobs.list(prefix))).map((blob) => blob.key);

    it('keeps a pack while a manifest names a chunk in it, and reclaims it and its entries once none does', async () => {
      const a = await storePacked('a', bytes(7, 64 * 1024));
      const b = await storeFile('b', bytes(8));
      expect(await keys(PACKS_PREFIX)).toHaveLength(1);
      await expect(collectGarbage(blobs)).resolves.toMatchObject({ deletedChunks: 0, deletedBytes: 0 });
      expect(await keys(PACKS_PREFIX)).toHaveLength(1);
      await expect(missingChunks(blobs, chunkHashesOf(a))).resolves.toEqual([]);

      await blobs.delete(manifestKey('a'));
      const result = await collectGarbage(blobs);
      expect(result.deletedBytes).toBe(64 * 1024);
      expect(result.deletedChunks).toBe(chunkHashesOf(a).size);
      expect(await keys(PACKS_PREFIX)).toEqual([]);
      expect(await collect(PackIndex.of(blobs)!.entries())).toEqual([]); // the index is there: the pack was entered
      await expect(missingChunks(blobs, chunkHashesOf(b))).resolves.toEqual([]);
    });

    it('counts a chunk whose entry outlived its pack as missing, so a build naming it is stored again', async () => {
      const a = await storePacked('a', bytes(9, 32 * 1024));
      const [pack] = await keys(PACKS_PREFIX);
      // What a collection pass racing a new pack can leave: the pack deleted, its entries put after the pass listed them.
      await blobs.delete(pack);
      await expect(confirmChunks(blobs, a)).rejects.toBeInstanceOf(ChunksMissing);
      // Stored again, the chunks get a pack of their own and the entries point there.
      await storePacked('a2', bytes(9, 32 * 1024));
      await expect(confirmChunks(blobs, a)).resolves.toBeUndefined();
    });
  });
});
