import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect } from '@hangar/blob-store/testing';
import { seededBytes } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { writeContents } from './chunk-writer';
import { chunkKey } from './content-keys';
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

  it('links the copy it is given in as the chunk (one file on the disk), and puts the chunk where it cannot', async () => {
    const blobs = new FilesystemBlobStore(join(tmp, 's'));
    const bytes = seededBytes('single-chunk', 'copied', 3000);
    const copyTo = (path: string) => async () => (writeFileSync(path, bytes), path);
    const written = await writeSingleChunkFile(blobs, bytes, chunking, copyTo(join(tmp, 'copy')));
    expect(written).toMatchObject({ newBytes: 3000, holders: [chunkKey(written.chunks[0].hash)] });
    expect(statSync(blobs.localPath(chunkKey(written.chunks[0].hash))!).ino).toBe(statSync(join(tmp, 'copy')).ino);

    const other = seededBytes('single-chunk', 'not linked', 3000);
    const copy = async () => (writeFileSync(join(tmp, 'other'), other), join(tmp, 'other'));
    const unlinking: FilesystemBlobStore = Object.create(blobs);
    unlinking.linkFile = async () => null;
    const put = await writeSingleChunkFile(unlinking, other, chunking, copy);
    const object = blobs.localPath(chunkKey(put.chunks[0].hash))!;
    expect(statSync(object).ino).not.toBe(statSync(join(tmp, 'other')).ino);
    expect(readFileSync(object).equals(other)).toBe(true);
    // Gone before it could be linked: put all the same.
    const gone = seededBytes('single-chunk', 'gone', 3000);
    await expect(writeSingleChunkFile(blobs, gone, chunking, async () => join(tmp, 'never-written'))).resolves.toMatchObject({ newBytes: 3000 });
    expect(await blobs.stat(chunkKey(createHash('sha256').update(gone).digest('hex')))).toMatchObject({ size: 3000 });
    await blobs.close();
  });

  it('refuses a file that could be more than one chunk', async () => {
    const blobs = new FilesystemBlobStore(join(tmp, 's'));
    expect(isSingleChunk(chunking.minSize + 1, chunking)).toBe(false);
    await expect(writeSingleChunkFile(blobs, Buffer.alloc(chunking.minSize + 1), chunking)).rejects.toThrow(RangeError);
    await blobs.close();
  });
});
