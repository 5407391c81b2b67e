import { mkdtemp, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { blobStoreContract, collect, readAll } from '../../testing/blob-store.contract';
import { BlobPathOutsideRoot } from './contained-path';
import { BlobKeyConflict, FilesystemBlobStore } from './filesystem-blob-store';

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
