import { mkdtemp, readdir, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { blobStoreContract, collect, readAll } from '../../testing/blob-store.contract';
import { BlobPathOutsideRoot } from './contained-path';
import { BlobNotFound } from '../../port/blob-store.port';
import { BlobKeyConflict, FilesystemBlobStore } from './filesystem-blob-store';
import { flushFilesystemOf } from './filesystem-flush';

async function temporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hangar-blobs-'));
}

blobStoreContract('FilesystemBlobStore', async () => {
  const root = await temporaryDirectory();
  const store = new FilesystemBlobStore(root);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('FilesystemBlobStore on disk', () => {
  let root: string;
  let outside: string;
  let store: FilesystemBlobStore;
  beforeEach(async () => {
    root = await temporaryDirectory();
    outside = await temporaryDirectory();
    store = new FilesystemBlobStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('keeps objects under objects/ and leaves no temporary file behind, even after a failed put', async () => {
    await store.put('a/b', Buffer.from('x'));
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(1024);
        throw new Error('source failed');
      })(),
    );
    await expect(store.put('a/c', failing)).rejects.toThrow('source failed');
    expect(store.localPath('a/b')).toBe(join(store['objectsDir'], 'a', 'b'));
    expect(await readdir(join(root, 'incoming'))).toEqual([]);
  });

  it('refuses to follow a symbolic link out of the store', async () => {
    await writeFile(join(outside, 'secret'), 'secret');
    await symlink(outside, join(root, 'objects', 'escape'));
    await expect(store.get('escape/secret')).rejects.toBeInstanceOf(BlobPathOutsideRoot);
    await expect(store.stat('escape/secret')).rejects.toBeInstanceOf(BlobPathOutsideRoot);
    await expect(store.put('escape/planted', Buffer.from('x'))).rejects.toBeInstanceOf(BlobPathOutsideRoot);
    await expect(store.delete('escape/secret')).rejects.toBeInstanceOf(BlobPathOutsideRoot);
    await expect(collect(store.list('escape/'))).rejects.toBeInstanceOf(BlobPathOutsideRoot);
    expect(await readdir(outside)).toEqual(['secret']);
    // Neither listed nor followed by a listing from above.
    expect(await collect(store.list(''))).toEqual([]);
  });

  it('refuses a symbolic-link object that points outside the store', async () => {
    await writeFile(join(outside, 'secret'), 'secret');
    await symlink(join(outside, 'secret'), join(root, 'objects', 'link'));
    await expect(store.get('link')).rejects.toBeInstanceOf(BlobPathOutsideRoot);
  });

  it('says BlobKeyConflict for keys a filesystem cannot hold together', async () => {
    await store.put('a', Buffer.from('file'));
    await expect(store.put('a/b', Buffer.from('x'))).rejects.toBeInstanceOf(BlobKeyConflict);
    await store.put('c/d', Buffer.from('x'));
    await expect(store.put('c', Buffer.from('x'))).rejects.toBeInstanceOf(BlobKeyConflict);
    expect(await readdir(join(root, 'incoming'))).toEqual([]);
  });

  it('syncs many objects with one flush of their filesystem, after finding each one there, and file by file where that flush fails', async () => {
    const flushes: string[] = [];
    let flushWorks = true;
    const flushing = new FilesystemBlobStore(root, async (path) => (flushes.push(path), flushWorks));
    const keys = Array.from({ length: 40 }, (_, i) => `chunks/many-${i}`);
    for (const key of keys) await flushing.put(key, Buffer.from(key), { durable: false });
    await flushing.sync(keys);
    expect(flushes).toEqual([join(root, 'objects')]);
    // An absent object is told before anything is flushed.
    await expect(flushing.sync([...keys, 'chunks/never-put'])).rejects.toBeInstanceOf(BlobNotFound);
    expect(flushes).toHaveLength(1);
    // Where the flush cannot be had, each file is flushed as for a few.
    flushWorks = false;
    await expect(flushing.sync(keys)).resolves.toBeUndefined();
    expect(flushes).toHaveLength(2);
    // A few objects: flushed file by file, the filesystem left alone.
    await flushing.sync(keys.slice(0, 3));
    expect(flushes).toHaveLength(2);
  });

  it('flushes a filesystem with `sync -f` on Linux, and says so; says it could not for a path that is not there', async () => {
    if (process.platform !== 'linux') {
      console.log('skipped: `sync -f` (syncfs) is Linux only; elsewhere the store flushes file by file');
      return;
    }
    await expect(flushFilesystemOf(root)).resolves.toBe(true);
    await expect(flushFilesystemOf(join(root, 'not-there'))).resolves.toBe(false);
  });

  it('links a file on its own filesystem (one file, two names: no byte copied), and says null for one on another filesystem', async () => {
    const path = join(outside, 'pak');
    await writeFile(path, Buffer.from('extracted bytes'));
    await expect(store.linkFile('packs/a', path)).resolves.toEqual({ key: 'packs/a', size: 15 });
    const [original, object] = await Promise.all([stat(path), stat(store.localPath('packs/a')!)]);
    expect(object.ino).toBe(original.ino);
    expect(object.nlink).toBe(2);
    expect(await readdir(join(root, 'incoming'))).toEqual([]);

    // /dev/shm is a tmpfs, never the filesystem of the temporary directory the store is in (checked, not assumed).
    const shm = await mkdtemp('/dev/shm/hangar-link-');
    try {
      const elsewhere = join(shm, 'pak');
      await writeFile(elsewhere, Buffer.from('on another filesystem'));
      expect((await stat(elsewhere)).dev).not.toBe(original.dev);
      await expect(store.linkFile('packs/b', elsewhere)).resolves.toBeNull();
      await expect(store.stat('packs/b')).resolves.toBeNull();
      expect(await readdir(join(root, 'incoming'))).toEqual([]);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it('links a file straight in at its key (one change to the directories, no rename), and over an object already there replaces it', async () => {
    // The module itself (an `import * as` namespace would be a copy the store does not call through).
    const renames = jest.spyOn(require('node:fs/promises') as typeof import('node:fs/promises'), 'rename');
    try {
      const first = join(outside, 'first');
      await writeFile(first, Buffer.from('first bytes'));
      await expect(store.linkFile('chunks/ab/c1', first)).resolves.toEqual({ key: 'chunks/ab/c1', size: 11 });
      expect(renames).not.toHaveBeenCalled();

      const second = join(outside, 'second');
      await writeFile(second, Buffer.from('second, longer bytes'));
      await expect(store.linkFile('chunks/ab/c1', second)).resolves.toEqual({ key: 'chunks/ab/c1', size: 20 });
      expect((await readAll(await store.get('chunks/ab/c1'))).toString()).toBe('second, longer bytes');
      expect(await readdir(join(root, 'incoming'))).toEqual([]);
      // A key that is the parent of objects cannot be an object: refused as a put is.
      await expect(store.linkFile('chunks/ab', second)).rejects.toBeInstanceOf(BlobKeyConflict);
    } finally {
      renames.mockRestore();
    }
  });

  it('prunes directories emptied by delete', async () => {
    await store.put('builds/u1/files/x', Buffer.from('x'));
    await store.delete('builds/u1/files/x');
    expect(await readdir(join(root, 'objects'))).toEqual([]);
  });

  it('ignores stray non-object entries when listing', async () => {
    await store.put('k/v', Buffer.from('v'));
    await mkdir(join(root, 'objects', 'k', 'empty-dir'));
    expect(await collect(store.list(''))).toEqual([{ key: 'k/v', size: 1 }]);
  });

  it('keeps serving an object being read while a put replaces it', async () => {
    await store.put('live', Buffer.alloc(4 * 1024 * 1024, 1));
    const reading = await store.get('live');
    await store.put('live', Buffer.alloc(10, 2));
    const read = await readAll(reading);
    expect(read.length).toBe(4 * 1024 * 1024);
    expect(read.every((b) => b === 1)).toBe(true);
  });
});
