import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { chunkSlices, chunkStream } from './content-defined-chunker';
import { chunkingFor, type ChunkingOptions } from './chunking-options';
import { GEAR_TABLE } from './gear-table';

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

  it('cuts exactly where the plain FastCDC loop does (stored chunks must keep matching), fed in pieces of any size', async () => {
    // The loop as first written (whole buffer, unsigned arithmetic): the definition the stored chunks were cut by.
    const plainCut = (bytes: Uint8Array, o: ChunkingOptions): number => {
      const length = Math.min(bytes.length, o.maxSize);
      if (length <= o.minSize) return length;
      const bits = Math.log2(o.avgSize);
      const top = (n: number) => (0xffffffff << (32 - n)) >>> 0;
      const [strict, loose] = [top(bits + 1), top(bits - 1)];
      const normal = Math.min(o.avgSize, length);
      let hash = 0;
      let i = o.minSize;
      for (; i < normal; i++) {
        hash = ((hash << 1) + GEAR_TABLE[bytes[i]]) >>> 0;
        if ((hash & strict) === 0) return i + 1;
      }
      for (; i < length; i++) {
        hash = ((hash << 1) + GEAR_TABLE[bytes[i]]) >>> 0;
        if ((hash & loose) === 0) return i + 1;
      }
      return length;
    };
    for (const o of [chunkingFor(4096), options, chunkingFor(64 * 1024)]) {
      // Random stretches and long zero runs (cut at the maximum), so that every branch of the scan is taken.
      const bytes = Buffer.concat([seeded(600_000, 7), Buffer.alloc(o.maxSize * 2 + 3), seeded(300_000, 9)]);
      const expected: number[] = [];
      for (let at = 0; at < bytes.length; ) {
        const cut = plainCut(bytes.subarray(at), o);
        expected.push(cut);
        at += cut;
      }
      for (const pieceSize of [31, 777, 65_536, bytes.length]) {
        const pieces: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
        const sizes: number[] = [];
        for await (const slices of chunkSlices(Readable.from(pieces), o)) sizes.push(slices.reduce((n, s) => n + s.length, 0));
        expect(sizes).toEqual(expected);
      }
    }
  });

  it('hands a chunk on as views of the arriving pieces, without copying a byte', async () => {
    const data = seeded(200_000, 3);
    const pieces = [data.subarray(0, 70_000), data.subarray(70_000)];
    for await (const slices of chunkSlices(Readable.from(pieces), options)) {
      for (const slice of slices) expect(slice.buffer).toBe(data.buffer);
    }
  });
});

describe('chunkingFor', () => {
  it('defaults to 2 MiB on average, from 512 KiB to 8 MiB (FastCDC proportions), the same as the configuration default', () => {
    expect(chunkingFor()).toEqual({ minSize: 512 * 1024, avgSize: 2 * 1024 * 1024, maxSize: 8 * 1024 * 1024 });
  });
});
