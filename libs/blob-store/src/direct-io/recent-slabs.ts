import { alignedBuffer } from './aligned-memory';
import { copyBytes } from './copy-bytes';

/** What another thread needs to read a `RecentSlabs` (posted to it: shared memory is shared, not copied). */
export interface SharedRecentSlabs {
  slabs: SharedArrayBuffer[];
  slabBytes: number;
  /**
   * One BigInt64 per slab: where in the file its bytes lie, or -1 while it is being filled (or holds nothing); then
   * the slabs' generation, which `forget` moves on (a reader attached before it takes nothing more).
   */
  positions: SharedArrayBuffer;
}

/**
 * The slabs a file was written through (`AlignedFileWriter`), kept a while in shared memory so that a reader on
 * another thread that follows the writer closely (the ingest thread behind the download) copies the newest bytes
 * from there instead of reading them back from the disk. Why: reading the staging file back was a third of a 1 GiB
 * build's disk traffic (the zip written, read back, the extracted files written) on a disk that bounds the pipeline.
 *
 * The writer never waits for the reader: it says which slab it is about to fill (`filling`, before a byte goes in)
 * and which whole slab is on the disk and where (`holds`); a reader copies a range only from slabs that hold it, and
 * checks after the copy that none was taken for filling meanwhile (a sequence lock: the positions are read and
 * written with `Atomics`). A reader that fell behind, or a range not yet held whole, reads the file instead.
 */
export class RecentSlabs {
  readonly slabs: Buffer[];
  private readonly positions: BigInt64Array;
  /** Where the generation is kept, after the slabs' positions. */
  private readonly generationAt: number;
  /** The generation this reader was attached in. */
  private readonly generation: bigint;

  private constructor(
    readonly shared: SharedRecentSlabs,
    slabs: Buffer[],
  ) {
    this.slabs = slabs;
    this.positions = new BigInt64Array(shared.positions);
    this.generationAt = slabs.length;
    this.generation = Atomics.load(this.positions, this.generationAt);
  }

  /** `count` slabs of `slabBytes` (a multiple of the direct I/O alignment), in aligned shared memory, holding nothing. */
  static create(count: number, slabBytes: number): RecentSlabs {
    const slabs = Array.from({ length: count }, () => alignedBuffer(slabBytes, { shared: true }));
    const shared: SharedRecentSlabs = {
      slabs: slabs.map((slab) => slab.buffer as SharedArrayBuffer),
      slabBytes,
      positions: new SharedArrayBuffer(8 * (count + 1)),
    };
    const recent = new RecentSlabs(shared, slabs);
    recent.forget();
    return recent;
  }

  /** The reader's side, in another thread. */
  static attach(shared: SharedRecentSlabs): RecentSlabs {
    return new RecentSlabs(
      shared,
      shared.slabs.map((buffer) => Buffer.from(buffer, 0, shared.slabBytes)),
    );
  }

  /**
   * No slab holds anything, before the slabs serve another file: readers attached until now take nothing more from
   * them (one that is still reading, an ingest stopped and not yet gone, reads its own file instead of this one's
   * bytes at the same offsets).
   */
  forget(): void {
    Atomics.add(this.positions, this.generationAt, 1n);
    for (let slab = 0; slab < this.slabs.length; slab++) Atomics.store(this.positions, slab, -1n);
  }

  /** The writer is about to put new bytes into `slab`: readers must no longer take it for what it held. */
  filling(slab: number): void {
    Atomics.store(this.positions, slab, -1n);
  }

  /** `slab` is written whole to the file at `position`. */
  holds(slab: number, position: number): void {
    Atomics.store(this.positions, slab, BigInt(position));
  }

  /**
   * Copies the file's bytes [`position`, `position + length`) into `into` at `at` if the slabs hold all of them, and
   * says whether they did (false: nothing of use was copied, read the file).
   */
  copy(into: Buffer, at: number, length: number, position: number): boolean {
    if (!this.current()) return false;
    const size = this.shared.slabBytes;
    const taken: { slab: number; from: number }[] = [];
    for (let done = 0; done < length; ) {
      const wanted = position + done;
      const held = this.slabHolding(wanted);
      if (!held) return false;
      const offset = wanted - held.from;
      const n = Math.min(length - done, size - offset);
      copyBytes(this.slabs[held.slab].subarray(offset, offset + n), into, at + done);
      taken.push(held);
      done += n;
    }
    // Still there after the copy: no byte copied was overwritten while it was copied.
    return this.current() && taken.every(({ slab, from }) => Number(Atomics.load(this.positions, slab)) === from);
  }

  private current(): boolean {
    return Atomics.load(this.positions, this.generationAt) === this.generation;
  }

  /** The slab that holds the file's byte at `position`, and where that slab's bytes start in the file. */
  private slabHolding(position: number): { slab: number; from: number } | null {
    const size = this.shared.slabBytes;
    for (let slab = 0; slab < this.slabs.length; slab++) {
      const from = Number(Atomics.load(this.positions, slab));
      if (from >= 0 && position >= from && position < from + size) return { slab, from };
    }
    return null;
  }
}
