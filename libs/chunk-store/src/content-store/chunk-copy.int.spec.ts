import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect } from '@hangar/blob-store/testing';
import { seededBytes } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { copyMissingChunks } from './chunk-copy';
import { readChunk } from './chunk-packs';
import { writeContents, type ContentsCopy } from './chunk-writer';

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

describe('copying chunks from one content store to another (the archive tier)', () => {
  let tmp: string;
  const chunking = chunkingFor(16 * 1024);
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'hangar-chunk-copy-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('copies chunks that lie in a pack as objects of their own, and only those the other store lacks', async () => {
    const hot = new FilesystemBlobStore(join(tmp, 'hot'));
    const cold = new FilesystemBlobStore(join(tmp, 'cold'));
    const bytes = seededBytes('copy', 'packed', 300_000);
    const path = join(tmp, 'extracted');
    const copy: ContentsCopy = { packs: true, append: async () => undefined, complete: async () => (writeFileSync(path, bytes), path), abort: async () => undefined };
    const written = await writeContents(hot, once(bytes), chunking, undefined, copy);
    expect(await collect(hot.list('chunks/'))).toEqual([]); // in a pack
    const hashes = written.chunks.map((c) => c.hash);
    await cold.put(`chunks/${hashes[0]}`, await readChunk(hot, hashes[0]));
    await copyMissingChunks(hot, cold, hashes);
    expect((await collect(cold.list('chunks/'))).map((b) => b.key).sort()).toEqual([...new Set(hashes)].map((h) => `chunks/${h}`).sort());
    expect(await collect(cold.list('packs/'))).toEqual([]);
    for (const hash of hashes) expect(createHash('sha256').update(await readChunk(cold, hash)).digest('hex')).toBe(hash);
    await Promise.all([hot.close(), cold.close()]);
  });
});
