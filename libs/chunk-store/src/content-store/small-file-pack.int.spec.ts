import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect } from '@hangar/blob-store/testing';
import { seededBytes } from '@hangar/testing';
import { readChunk } from './chunk-packs';
import { PackIndex } from './pack-index';
import { SmallFilePack } from './small-file-pack';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe("an ingest's pack of small files", () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-small-pack-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes each new chunk once, however many files share it, and once sealed the store reads every one from it', async () => {
    const path = join(tmp, '.small-files.pack');
    const pack = await SmallFilePack.create(path);
    const files = Array.from({ length: 40 }, (_, i) => seededBytes('small', String(i % 30), 100 + 37 * i));
    // Forty files at once, ten of them repeating another's bytes: added by the first, found by the second.
    const added = await Promise.all(files.map((bytes) => pack.add(sha256(bytes), bytes)));
    expect(added.filter(Boolean)).toHaveLength(new Set(files.map(sha256)).size);
    const holders = await pack.seal(blobs);
    expect(holders).toHaveLength(1);
    const [key] = holders;
    expect((await collect(blobs.list('packs/'))).map((b) => b.key)).toEqual([key]);
    for (const bytes of files) {
      expect(PackIndex.of(blobs)!.find(sha256(bytes))).toMatchObject({ pack: key, size: bytes.length });
      expect((await readChunk(blobs, sha256(bytes))).equals(bytes)).toBe(true);
    }
    // The extraction folder keeps no second name of it.
    expect(existsSync(path)).toBe(false);
  });

  it('leaves nothing behind when no chunk was new, or when the ingest stopped', async () => {
    const empty = await SmallFilePack.create(join(tmp, 'empty.pack'));
    await expect(empty.seal(blobs)).resolves.toEqual([]);
    expect(existsSync(join(tmp, 'empty.pack'))).toBe(false);

    const stopped = await SmallFilePack.create(join(tmp, 'stopped.pack'));
    await stopped.add(sha256(Buffer.from('x')), Buffer.from('x'));
    await stopped.discard();
    expect(existsSync(join(tmp, 'stopped.pack'))).toBe(false);
    expect(await collect(blobs.list('packs/'))).toEqual([]);
  });

  it('fails the seal, saying so, where the store cannot link it in: its chunks are nowhere else', async () => {
    const pack = await SmallFilePack.create(join(tmp, 'p.pack'));
    await pack.add(sha256(Buffer.from('y')), Buffer.from('y'));
    const unlinking: FilesystemBlobStore = Object.create(blobs);
    unlinking.linkFile = async () => null;
    await expect(pack.seal(unlinking)).rejects.toThrow(/could not be linked into the store/);
  });
});
