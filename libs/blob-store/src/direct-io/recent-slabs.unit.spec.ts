import { RecentSlabs } from './recent-slabs';

const SLAB = 4096;

/** Bytes that tell their own position in the file. */
const fileBytes = (position: number, length: number) => Buffer.from(Array.from({ length }, (_, i) => ((position + i) * 31) & 0xff));

describe('RecentSlabs: the newest slabs a file was written through, read from another thread', () => {
  /** Fills `slab` with the file's bytes at `position` and says it holds them, as the writer does. */
  const write = (recent: RecentSlabs, slab: number, position: number) => {
    recent.filling(slab);
    fileBytes(position, SLAB).copy(recent.slabs[slab]);
    recent.holds(slab, position);
  };

  it('copies a range the slabs hold, across two of them, in whatever order they lie', () => {
    const writer = RecentSlabs.create(3, SLAB);
    const reader = RecentSlabs.attach(writer.shared);
    write(writer, 2, 0);
    write(writer, 0, SLAB);
    const into = Buffer.alloc(SLAB + 100);
    expect(reader.copy(into, 100, SLAB, 1000)).toBe(true);
    expect(into.subarray(100).equals(fileBytes(1000, SLAB))).toBe(true);
  });

  it('copies nothing of use for bytes no slab holds whole: before they are written, after their slab is filled again', () => {
    const writer = RecentSlabs.create(2, SLAB);
    const reader = RecentSlabs.attach(writer.shared);
    const into = Buffer.alloc(2 * SLAB);
    expect(reader.copy(into, 0, 10, 0)).toBe(false); // nothing written yet
    write(writer, 0, 0);
    expect(reader.copy(into, 0, SLAB + 1, 0)).toBe(false); // the first byte of the next slab is not held yet
    writer.filling(0); // the writer takes the slab for new bytes
    expect(reader.copy(into, 0, 10, 0)).toBe(false);
  });

  it('fails a copy during which the writer took a slab it copied from (checked after the copy)', () => {
    const writer = RecentSlabs.create(2, SLAB);
    const reader = RecentSlabs.attach(writer.shared);
    write(writer, 0, 0);
    const into = Buffer.alloc(SLAB);
    // A slab that changes hands after the reader found it holding the range, before the check: as if the writer
    // filled it while the reader copied (the copy is taken from a view of the slab, made here).
    const view = reader.slabs[0].subarray.bind(reader.slabs[0]);
    reader.slabs[0].subarray = ((...args: Parameters<Buffer['subarray']>) => {
      const slice = view(...args);
      writer.filling(0);
      return slice;
    }) as Buffer['subarray'];
    expect(reader.copy(into, 0, 100, 0)).toBe(false);
  });

  it('after forget, a reader attached before it takes nothing, even where the slabs hold the same offsets of another file', () => {
    const writer = RecentSlabs.create(2, SLAB);
    const stale = RecentSlabs.attach(writer.shared);
    writer.forget();
    const fresh = RecentSlabs.attach(writer.shared);
    write(writer, 0, 0);
    const into = Buffer.alloc(100);
    expect(stale.copy(into, 0, 100, 0)).toBe(false);
    expect(fresh.copy(into, 0, 100, 0)).toBe(true);
  });
});
