import { alignedBuffer, alignUp } from '@hangar/blob-store';

/** Where one taken region lies: its start in the ring, or -1 for a chunk too large for it (memory of its own). */
interface TakenRegion {
  start: number;
  end: number;
}

/**
 * One block of aligned memory that chunks are read (or joined) into front to back and let go of in the same order (a
 * ring): the worker reads as many chunks ahead as fit, and the ingest has as many chunks hashed and written at once,
 * however their sizes vary, in memory fixed once. A buffer per chunk in flight would each have to hold the largest
 * chunk (four times the average) and grow into fresh memory as larger ones come: for as many chunks in flight, a
 * ring needs a third of that and no new memory after its first use.
 *
 * Each region starts on an aligned address and spans its size rounded up to the alignment, so that a chunk's file can
 * be read into it with direct I/O (`readFileStart`). A chunk larger than the whole ring gets memory of its own, and
 * only when nothing else is taken.
 */
export class ChunkRing {
  private memory: Buffer | null = null;
  private readonly taken: TakenRegion[] = [];
  /** Where the next region would start: the end of the newest one. */
  private head = 0;

  /**
   * `shared`: the memory is a SharedArrayBuffer, so that another thread can read a chunk where it lies (the ingest's
   * chunks, hashed on the hashing thread).
   */
  constructor(
    readonly capacity: number,
    private readonly options: { shared?: boolean } = {},
  ) {
    if (capacity <= 0 || capacity !== alignUp(capacity)) throw new RangeError(`a chunk ring's capacity is a positive multiple of the alignment, got ${capacity}`);
  }

  /** Chunks held now (taken and not yet released). */
  get size(): number {
    return this.taken.length;
  }

  /** A view of `size` bytes of aligned memory, or null while too much of the ring is held for it to fit. */
  take(size: number): Buffer | null {
    const span = alignUp(Math.max(size, 1));
    if (span > this.capacity) {
      if (this.taken.length > 0) return null;
      this.taken.push({ start: -1, end: -1 });
      return alignedBuffer(span, this.options).subarray(0, size);
    }
    const start = this.placeFor(span);
    if (start === null) return null;
    this.memory ??= alignedBuffer(this.capacity, this.options);
    this.taken.push({ start, end: start + span });
    this.head = start + span;
    return this.memory.subarray(start, start + size);
  }

  /** Lets go of the oldest region taken: its memory may hold a later chunk. */
  release(): void {
    if (!this.taken.shift()) throw new Error('nothing taken from the chunk ring to release');
    if (this.taken.length === 0) this.head = 0;
  }

  /** Lets go of everything taken (a materialisation ended): the memory stays for the next. */
  clear(): void {
    this.taken.length = 0;
    this.head = 0;
  }

  /** Where a region of `span` bytes fits after the newest one without reaching the oldest, if it does. */
  private placeFor(span: number): number | null {
    const oldest = this.taken.find((region) => region.start >= 0);
    if (!oldest) return span <= this.capacity ? 0 : null;
    if (this.head > oldest.start) {
      // The taken regions lie in one run from the oldest to the head: after it to the end, or else from the start.
      if (this.head + span <= this.capacity) return this.head;
      return span <= oldest.start ? 0 : null;
    }
    // The run wrapped around: the free room is between the head and the oldest.
    return this.head + span <= oldest.start ? this.head : null;
  }
}
