import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect, slowPuts } from '@hangar/blob-store/testing';
import { seededBytes } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { chunkRingFor, writeContents, type ContentsCopy } from './chunk-writer';
import { packKey, readChunk } from './chunk-packs';
import { PackIndex, PACK_INDEX_KEY } from './pack-index';
import { chunkListKey } from '../extraction/extracted-files';
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

  describe('with a copy of the file (an extraction): new chunks stored from the copy once it is whole', () => {
    /** A copy written to a file of its own, as `ExtractedFiles` does: says where it lies, or null when told to fail. */
    const fileCopy = (path: string, fails = false): ContentsCopy => {
      const pieces: Buffer[] = [];
      return {
        packs: true,
        append: async (bytes) => void pieces.push(Buffer.from(bytes)),
        complete: async () => {
          if (fails) return null;
          writeFileSync(path, Buffer.concat(pieces));
          return path;
        },
        abort: async () => undefined,
      };
    };
    const keys = async (prefix: string) => (await collect(blobs.list(prefix))).map((blob) => blob.key);
    const readBack = async (chunks: readonly { hash: string }[]) => Buffer.concat(await Promise.all(chunks.map((c) => readChunk(blobs, c.hash))));

    const indexed = async () => {
      const index = PackIndex.of(blobs);
      return index ? collect(index.entries()) : [];
    };

    it('makes a new file its own pack: the copy linked in (one file on the disk), an entry per chunk in the index, no chunk object', async () => {
      const bytes = seededBytes('pack', 'new', 1024 * 1024 + 5);
      const path = join(tmp, 'pak');
      const written = await writeContents(blobs, inPieces(bytes, 100_000), chunking, chunkRingFor(chunking), fileCopy(path));
      expect(written).toMatchObject({ size: bytes.length, newBytes: bytes.length, crc32: crc32(bytes) >>> 0 });
      expect(await keys('chunks/')).toEqual([]);
      const pack = packKey(chunkListKey(written.chunks));
      expect(await keys('packs/')).toEqual([pack]);
      expect(statSync(blobs.localPath(pack)!).ino).toBe(statSync(path).ino);
      // The entries are rows of the store's one index, not a file each: the store holds the pack and the index.
      expect((await indexed()).sort((a, b) => a.hash.localeCompare(b.hash))).toEqual([...new Set(written.chunks.map((c) => c.hash))].sort().map((hash) => ({ hash, pack })));
      expect((await keys('')).filter((key) => !key.startsWith(dirname(PACK_INDEX_KEY)))).toEqual([pack]);
      expect(written.holders).toEqual([pack]);
      expect((await readBack(written.chunks)).equals(bytes)).toBe(true);

      // The same bytes again, from another copy: nothing new, no second pack, the first one named as their holder.
      const again = await writeContents(blobs, inPieces(bytes, 64 * 1024), chunking, chunkRingFor(chunking), fileCopy(join(tmp, 'again')));
      expect(again).toMatchObject({ newBytes: 0, chunks: written.chunks });
      expect(await keys('packs/')).toEqual([pack]);
      expect(again.holders).toContain(pack);
    });

    it('puts the few new chunks of a file the store mostly has as objects, read back from the copy, and makes no pack of it', async () => {
      const first = seededBytes('pack', 'v1', 1024 * 1024);
      const v1 = await writeContents(blobs, inPieces(first, 100_000), chunking, chunkRingFor(chunking), fileCopy(join(tmp, 'v1')));
      // The second version changes its last 64 KiB: content-defined cuts keep every chunk before the change.
      const second = Buffer.concat([first.subarray(0, first.length - 64 * 1024), seededBytes('pack', 'patch', 64 * 1024)]);
      const v2 = await writeContents(blobs, inPieces(second, 100_000), chunking, chunkRingFor(chunking), fileCopy(join(tmp, 'v2')));
      expect(v2.newBytes).toBeGreaterThan(0);
      expect(v2.newBytes).toBeLessThan(second.length / 2);
      expect(await keys('packs/')).toEqual([packKey(chunkListKey(v1.chunks))]);
      const fresh = v2.chunks.filter((c) => !v1.chunks.some((old) => old.hash === c.hash));
      expect((await keys('chunks/')).sort()).toEqual([...new Set(fresh.map((c) => chunkKey(c.hash)))].sort());
      expect((await readBack(v2.chunks)).equals(second)).toBe(true);
    });

    it('puts the chunks as objects where the store cannot link the copy', async () => {
      const bytes = seededBytes('pack', 'nolink', 600_000);
      const unlinking: typeof blobs = Object.create(blobs);
      unlinking.linkFile = async () => null;
      const written = await writeContents(unlinking, inPieces(bytes, 100_000), chunking, chunkRingFor(chunking), fileCopy(join(tmp, 'f')));
      expect(written.newBytes).toBe(bytes.length);
      expect(await keys('packs/')).toEqual([]);
      expect((await keys('chunks/')).length).toBe(new Set(written.chunks.map((c) => c.hash)).size);
      expect((await readBack(written.chunks)).equals(bytes)).toBe(true);
    });

    it('fails the file, saying why, when its copy could not be written: its new chunks were nowhere else', async () => {
      const ring = chunkRingFor(chunking);
      await expect(writeContents(blobs, inPieces(seededBytes('pack', 'lost', 400_000), 100_000), chunking, ring, fileCopy(join(tmp, 'g'), true))).rejects.toThrow(
        /the file's copy could not be written, and \d+ new chunk\(s\) of it were to be stored from there/,
      );
      expect(ring.size).toBe(0);
      expect(await indexed()).toEqual([]);
    });
  });
});
