import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { HashingThread } from './hashing-thread';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const shared = (bytes: Buffer) => {
  const chunk = Buffer.from(new SharedArrayBuffer(bytes.length));
  bytes.copy(chunk);
  return chunk;
};

describe('the hashing thread', () => {
  it('hashes each chunk, and each file from its chunks in order, with files interleaved', async () => {
    const hashing = HashingThread.get();
    const [a, b] = [hashing.newFile(), hashing.newFile()];
    const partsA = [randomBytes(300_000), randomBytes(5), randomBytes(1_000_000)];
    const partsB = [randomBytes(70_000), randomBytes(2_000_000)];
    const chunkHashes = await Promise.all([
      hashing.chunk(a, shared(partsA[0])),
      hashing.chunk(b, shared(partsB[0])),
      hashing.chunk(a, shared(partsA[1])),
      hashing.chunk(b, shared(partsB[1])),
      hashing.chunk(a, shared(partsA[2])),
    ]);
    expect(chunkHashes).toEqual([partsA[0], partsB[0], partsA[1], partsB[1], partsA[2]].map(sha256));
    expect(await hashing.file(a)).toEqual({ crc32: crc32(Buffer.concat(partsA)) >>> 0 });
    expect(await hashing.file(b)).toEqual({ crc32: crc32(Buffer.concat(partsB)) >>> 0 });
    expect(await hashing.file(hashing.newFile())).toEqual({ crc32: 0 });
  });

  it('takes chunks only in shared memory, wherever they lie in it (a ring holds several)', async () => {
    const hashing = HashingThread.get();
    expect(() => hashing.chunk(hashing.newFile(), Buffer.from('not shared'))).toThrow(TypeError);
    const ring = shared(Buffer.from('first chunk|second chunk'));
    const file = hashing.newFile();
    expect(await hashing.chunk(file, ring.subarray(12))).toBe(sha256(Buffer.from('second chunk')));
    expect(await hashing.file(file)).toEqual({ crc32: crc32(Buffer.from('second chunk')) >>> 0 });
  });
});
