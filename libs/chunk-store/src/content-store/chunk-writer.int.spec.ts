import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { slowPuts } from '@hangar/blob-store/testing';
import { seededBytes } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { chunkRingFor, writeContents } from './chunk-writer';
import { chunkKey } from './content-keys';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function* inPieces(bytes: Buffer, pieceSize: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += pieceSize) yield bytes.subarray(at, at + pieceSize);
}

describe('writing a file into the content-addressed store through a ring of chunk memory', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  // 16 KiB chunks on average, at most 64 KiB: a ring of 128 KiB.
  const chunking = chunkingFor(16 * 1024);

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-chunk-writer-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(async () => {
    await blobs.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stores a file many times the ring, each chunk under its hash, with up to four puts at once', async () => {
    const bytes = seededBytes('ring', 'file', 3 * 1024 * 1024 + 17);
    const ring = chunkRingFor(chunking);
    const { store, seen } = slowPuts(blobs);
    const written = await writeContents(store, inPieces(bytes, 100_000), chunking, ring);
    expect(written).toMatchObject({ crc32: crc32(bytes) >>> 0, size: bytes.length, newBytes: bytes.length });
    const stored: Buffer[] = [];
    for (const chunk of written.chunks) {
      const data = Buffer.concat(await (await blobs.get(chunkKey(chunk.hash))).toArray());
      expect(sha256(data)).toBe(chunk.hash);
      stored.push(data);
    }
    expect(Buffer.concat(stored).equals(bytes)).toBe(true);
    // Four puts overlap (the disk is kept busy), never more, and the ring is empty again for the next file.
    expect(seen.most).toBe(4);
    expect(ring.size).toBe(0);
  });

  it('stops a file at a put that fails, once the puts in flight settle, and leaves the ring empty for the next file', async () => {
    const ring = chunkRingFor(chunking);
    const { store } = slowPuts(blobs, { failOnPut: 5 });
    await expect(writeContents(store, inPieces(seededBytes('ring', 'a', 1024 * 1024), 64 * 1024), chunking, ring)).rejects.toThrow('the disk is full');
    expect(ring.size).toBe(0);
    const next = seededBytes('ring', 'b', 300_000);
    await expect(writeContents(blobs, inPieces(next, 64 * 1024), chunking, ring)).resolves.toMatchObject({ crc32: crc32(next) >>> 0, size: next.length });
  });
});
