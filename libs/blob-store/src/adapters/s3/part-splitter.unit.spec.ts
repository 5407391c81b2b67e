import { Readable } from 'node:stream';
import { partSizeSchedule, splitIntoParts } from './part-splitter';

async function sizesOf(chunks: Buffer[], partSize: (n: number) => number): Promise<number[]> {
  const sizes: number[] = [];
  for await (const part of splitIntoParts(Readable.from(chunks), partSize)) sizes.push(part.length);
  return sizes;
}

describe('splitIntoParts', () => {
  it('cuts a stream into full parts and a shorter last one, whatever the chunking', async () => {
    expect(await sizesOf([Buffer.alloc(7), Buffer.alloc(3), Buffer.alloc(15)], () => 10)).toEqual([10, 10, 5]);
    expect(await sizesOf([Buffer.alloc(20)], () => 10)).toEqual([10, 10]);
  });

  it('yields one empty part for an empty stream, so that an empty object is still stored', async () => {
    expect(await sizesOf([], () => 10)).toEqual([0]);
  });

  it('keeps the bytes in order', async () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    const parts: Buffer[] = [];
    for await (const part of splitIntoParts(Readable.from([data.subarray(0, 4), data.subarray(4)]), () => 6)) parts.push(part);
    expect(Buffer.concat(parts).toString()).toBe(data.toString());
  });
});

describe('partSizeSchedule', () => {
  it('doubles every thousand parts, so that 10,000 parts of the default 16 MiB reach S3\'s 5 TiB limit', () => {
    const size = partSizeSchedule(5 * 1024 * 1024);
    expect(size(1)).toBe(5 * 1024 * 1024);
    expect(size(1000)).toBe(5 * 1024 * 1024);
    expect(size(1001)).toBe(10 * 1024 * 1024);
    const total = (schedule: (n: number) => number) => {
      let sum = 0;
      for (let n = 1; n <= 10_000; n++) sum += schedule(n);
      return sum;
    };
    expect(total(partSizeSchedule(16 * 1024 * 1024))).toBeGreaterThan(5 * 1024 ** 4);
    expect(total(size)).toBeGreaterThan(4.8 * 1024 ** 4);
  });
});
