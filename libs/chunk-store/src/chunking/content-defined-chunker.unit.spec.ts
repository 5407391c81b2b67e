import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { chunkStream } from './content-defined-chunker';
import { chunkingFor } from './chunking-options';

const options = chunkingFor(16 * 1024);
const seeded = (size: number, seed = 1) => {
  // xorshift32: the same bytes on every run, without a test dependency.
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};
const chunksOf = async (data: Buffer, pieceSize = 64 * 1024) => {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += pieceSize) pieces.push(data.subarray(i, i + pieceSize));
  const chunks: Buffer[] = [];
  for await (const chunk of chunkStream(Readable.from(pieces), options)) chunks.push(chunk);
  return chunks;
};
const hashes = (chunks: Buffer[]) => chunks.map((c) => createHash('sha256').update(c).digest('hex'));

describe('content-defined chunker (gear-hash FastCDC)', () => {
  const data = seeded(2 * 1024 * 1024);

  it('cuts the same bytes at the same places, however the stream splits them', async () => {
    const a = await chunksOf(data, 64 * 1024);
    const b = await chunksOf(data, 1000);
    const c = await chunksOf(data, 3 * 1024 * 1024);
    expect(hashes(b)).toEqual(hashes(a));
    expect(hashes(c)).toEqual(hashes(a));
    expect(Buffer.concat(a).equals(data)).toBe(true);
  });

  it('keeps every chunk within min and max (only the last may be shorter), about the average on average', async () => {
    const chunks = await chunksOf(data);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(options.minSize);
      expect(chunk.length).toBeLessThanOrEqual(options.maxSize);
    }
    const average = data.length / chunks.length;
    expect(average).toBeGreaterThan(options.avgSize / 2);
    expect(average).toBeLessThan(options.avgSize * 2);
  });

  it('cuts bytes without any content-defined boundary (all zeros) at the maximum size', async () => {
    const chunks = await chunksOf(Buffer.alloc(options.maxSize * 3 + 5));
    expect(chunks.map((c) => c.length)).toEqual([options.maxSize, options.maxSize, options.maxSize, 5]);
  });

  it('changes only the chunks around an insertion near the start of a large random buffer', async () => {
    const original = randomBytes(4 * 1024 * 1024);
    const edited = Buffer.concat([original.subarray(0, 1000), randomBytes(100), original.subarray(1000)]);
    const before = new Set(hashes(await chunksOf(original)));
    const after = hashes(await chunksOf(edited));
    const changed = after.filter((h) => !before.has(h));
    expect(after.length).toBeGreaterThan(100);
    expect(changed.length).toBeLessThanOrEqual(3);
  });

  it('handles an empty stream and one shorter than the minimum', async () => {
    expect(await chunksOf(Buffer.alloc(0))).toEqual([]);
    expect((await chunksOf(seeded(100))).map((c) => c.length)).toEqual([100]);
  });
});
