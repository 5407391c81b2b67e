import { isAlignedForDirectIo } from '@hangar/blob-store';
import { ChunkRing } from './chunk-ring';

const KiB = 1024;

describe('ChunkRing', () => {
  it('hands out aligned views of the sizes asked for, front to back, while they fit', () => {
    const ring = new ChunkRing(64 * KiB);
    const a = ring.take(10 * KiB)!;
    const b = ring.take(20 * KiB + 1)!;
    expect([a.length, b.length]).toEqual([10 * KiB, 20 * KiB + 1]);
    expect(isAlignedForDirectIo(a) && isAlignedForDirectIo(b)).toBe(true);
    expect(b.byteOffset).toBe(a.byteOffset + 12 * KiB);
    // 12 + 24 KiB held: 28 KiB left, not 30.
    expect(ring.take(30 * KiB)).toBeNull();
    expect(ring.take(28 * KiB)).not.toBeNull();
    expect(ring.size).toBe(3);
  });

  it('never hands out memory that a region still held covers, however the sizes wrap around', () => {
    const ring = new ChunkRing(256 * KiB);
    const held: Buffer[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 5000; step++) {
      if (held.length > 0 && (random() < 0.45 || held.length > 20)) {
        const oldest = held.shift()!;
        // What was written into it is still there: no later region overlapped it.
        expect(oldest.every((byte) => byte === oldest[0])).toBe(true);
        ring.release();
        continue;
      }
      const bytes = ring.take(1 + Math.floor(random() * 100 * KiB));
      if (!bytes) {
        expect(held.length).toBeGreaterThan(0);
        continue;
      }
      bytes.fill(step % 256);
      held.push(bytes);
    }
  });

  it('gives a chunk larger than the ring memory of its own, once nothing else is held', () => {
    const ring = new ChunkRing(16 * KiB);
    ring.take(KiB);
    expect(ring.take(40 * KiB)).toBeNull();
    ring.release();
    const large = ring.take(40 * KiB)!;
    expect(large.length).toBe(40 * KiB);
    expect(isAlignedForDirectIo(large)).toBe(true);
    expect(ring.take(KiB)).not.toBeNull();
    ring.release();
    ring.release();
    expect(() => ring.release()).toThrow('nothing taken');
  });

  it('starts again from the front once cleared', () => {
    const ring = new ChunkRing(16 * KiB);
    const first = ring.take(12 * KiB)!;
    expect(ring.take(8 * KiB)).toBeNull();
    ring.clear();
    expect(ring.take(8 * KiB)!.byteOffset).toBe(first.byteOffset);
  });
});
