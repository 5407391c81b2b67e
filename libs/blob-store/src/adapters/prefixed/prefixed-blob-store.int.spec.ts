import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreContract, collect } from '../../testing/blob-store.contract';
import { FilesystemBlobStore } from '../filesystem/filesystem-blob-store';
import { PrefixedBlobStore } from './prefixed-blob-store';

blobStoreContract('PrefixedBlobStore over the filesystem store', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hangar-prefixed-'));
  const inner = new FilesystemBlobStore(root);
  return {
    store: new PrefixedBlobStore(inner, 'cold/'),
    cleanup: async () => {
      await inner.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('PrefixedBlobStore', () => {
  it('keeps its objects under the prefix of the store it views, apart from the rest', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-prefixed-'));
    const inner = new FilesystemBlobStore(root);
    try {
      const cold = new PrefixedBlobStore(inner, 'cold/');
      await cold.put('chunks/a', Buffer.from('cold a'));
      await inner.put('chunks/b', Buffer.from('hot b'));
      expect((await collect(inner.list(''))).map((b) => b.key)).toEqual(['chunks/b', 'cold/chunks/a']);
      expect((await collect(cold.list('chunks/'))).map((b) => b.key)).toEqual(['chunks/a']);
      expect(await cold.stat('chunks/b')).toBeNull();
    } finally {
      await inner.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
