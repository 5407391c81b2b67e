import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect } from '@hangar/blob-store/testing';
import { seededBytes } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { writeContents } from './chunk-writer';
import { isSingleChunk, writeSingleChunkFile } from './single-chunk-file';

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

describe('a file no larger than the smallest chunk, stored whole', () => {
  let tmp: string;
  // Chunks of 16 KiB on average, never cut before 4 KiB.
  const chunking = chunkingFor(16 * 1024);

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-single-chunk-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([0, 1, chunking.minSize - 1, chunking.minSize])(
    'given %i bytes, when stored whole, then the store and the findings are what chunking them would give',
    async (size) => {
      const bytes = seededBytes('single-chunk', String(size), size);
      const whole = new FilesystemBlobStore(join(tmp, 'whole'));
      const chunked = new FilesystemBlobStore(join(tmp, 'chunked'));
      expect(isSingleChunk(size, chunking)).toBe(true);
      const [a, b] = [await writeSingleChunkFile(whole, bytes, chunking), await writeContents(chunked, once(bytes), chunking)];
      expect(a).toEqual(b);
      expect(await collect(whole.list('chunks/'))).toEqual(await collect(chunked.list('chunks/')));
      // Stored once: the second time finds it there.
      await expect(writeSingleChunkFile(whole, bytes, chunking)).resolves.toMatchObject({ newBytes: 0, chunks: a.chunks });
      await Promise.all([whole.close(), chunked.close()]);
    },
  );

  it('refuses a file that could be more than one chunk', async () => {
    const blobs = new FilesystemBlobStore(join(tmp, 's'));
    expect(isSingleChunk(chunking.minSize + 1, chunking)).toBe(false);
    await expect(writeSingleChunkFile(blobs, Buffer.alloc(chunking.minSize + 1), chunking)).rejects.toThrow(RangeError);
    await blobs.close();
  });
});
