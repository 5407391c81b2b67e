import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore, PrefixedBlobStore } from '@hangar/blob-store';
import { collect } from '@hangar/blob-store/testing';
import { PackIndex } from './pack-index';

const hash = (n: number) => n.toString(16).padStart(64, '0');

describe("a store's pack index", () => {
  let tmp: string;
  let root: string;

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-pack-index-'));
    root = join(tmp, 'store');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it("enters a pack's chunks at once, and another connection to the store (another thread, a restart) finds them", () => {
    const writer = PackIndex.of(new FilesystemBlobStore(root), { create: true })!;
    writer.enter('packs/a', [
      { hash: hash(1), offset: 0, size: 100 },
      { hash: hash(2), offset: 100, size: 50 },
    ]);
    const reader = PackIndex.of(new FilesystemBlobStore(root), { create: true })!;
    expect(reader).not.toBe(writer);
    expect(reader.find(hash(2))).toEqual({ pack: 'packs/a', offset: 100, size: 50 });
    expect(reader.find(hash(3))).toBeNull();
    // Entered again into a newer pack, a chunk's entry names the newer one.
    writer.enter('packs/b', [{ hash: hash(2), offset: 7, size: 50 }]);
    expect(reader.find(hash(2))).toEqual({ pack: 'packs/b', offset: 7, size: 50 });
  });

  it('removes an entry only while it still names the pack it was listed with', async () => {
    const index = PackIndex.of(new FilesystemBlobStore(root), { create: true })!;
    index.enter('packs/a', [
      { hash: hash(1), offset: 0, size: 10 },
      { hash: hash(2), offset: 10, size: 10 },
    ]);
    const listed = await collect(index.entries());
    // Between a collection's listing and its removal, chunk 2 is stored again, in another pack.
    index.enter('packs/b', [{ hash: hash(2), offset: 0, size: 10 }]);
    index.remove(listed);
    expect(await collect(index.entries())).toEqual([{ hash: hash(2), pack: 'packs/b' }]);
  });

  it('lists every entry in hash order a page at a time, and a pack entered between pages does not find the connection busy', async () => {
    const index = PackIndex.of(new FilesystemBlobStore(root), { create: true })!;
    index.enter('packs/a', [5, 1, 4, 2, 3].map((n) => ({ hash: hash(n), offset: n, size: 1 })));
    const seen: string[] = [];
    for await (const entry of index.entries(2)) {
      seen.push(entry.hash);
      if (seen.length === 2) index.enter('packs/b', [{ hash: hash(9), offset: 0, size: 1 }]);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 9].map(hash));
  });

  it('keeps one index per prefixed view of a store, as its keys are', () => {
    const store = new FilesystemBlobStore(root);
    PackIndex.of(store, { create: true })!.enter('packs/hot', [{ hash: hash(1), offset: 0, size: 1 }]);
    const cold = PackIndex.of(new PrefixedBlobStore(store, 'archive/'), { create: true })!;
    expect(cold.find(hash(1))).toBeNull();
    expect(existsSync(join(root, 'objects', 'archive', 'pack-index'))).toBe(true);
  });

  it("takes over a store's entries from before the index (a file per chunk), keeps newer rows, and removes the files", () => {
    // A row the index already has is newer than any file (files are no longer written): it stays.
    PackIndex.of(new FilesystemBlobStore(root), { create: true })!.enter('packs/new', [{ hash: hash(2), offset: 0, size: 6 }]);
    const legacy = new FilesystemBlobStore(root).localPath('packed-chunks')!;
    mkdirSync(legacy, { recursive: true });
    writeFileSync(join(legacy, hash(1)), JSON.stringify({ pack: 'packs/old', offset: 5, size: 6 }));
    writeFileSync(join(legacy, hash(2)), JSON.stringify({ pack: 'packs/old', offset: 11, size: 6 }));

    const index = PackIndex.of(new FilesystemBlobStore(root))!;
    expect(index.find(hash(1))).toEqual({ pack: 'packs/old', offset: 5, size: 6 });
    expect(index.find(hash(2))).toEqual({ pack: 'packs/new', offset: 0, size: 6 });
    expect(existsSync(legacy)).toBe(false);
  });

  it('is not made by lookups: a store that never had a pack has no database file, until a pack is entered', () => {
    const reader = new FilesystemBlobStore(root);
    expect(PackIndex.of(reader)).toBeNull();
    expect(existsSync(join(root, 'objects', 'pack-index'))).toBe(false);
    PackIndex.of(new FilesystemBlobStore(root), { create: true })!.enter('packs/a', [{ hash: hash(1), offset: 0, size: 1 }]);
    // The same reader, which found none before, finds the index another connection made since.
    expect(PackIndex.of(reader)?.find(hash(1))).toEqual({ pack: 'packs/a', offset: 0, size: 1 });
  });

  it('is absent for a store without local files (S3: no packs)', () => {
    const remote = Object.create(new FilesystemBlobStore(root)) as FilesystemBlobStore;
    remote.localPath = () => null;
    expect(PackIndex.of(remote)).toBeNull();
  });
});
