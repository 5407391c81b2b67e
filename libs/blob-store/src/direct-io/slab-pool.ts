import { alignedBuffer, DIRECT_IO_ALIGNMENT } from './aligned-memory';

/** Two slabs of aligned memory: what an `AlignedFileWriter` writes through. */
export type SlabPair = readonly [Buffer, Buffer];

/**
 * Pairs of aligned slabs, kept for reuse: a writer takes a pair for the file it writes and gives it back when done.
 * Fresh memory costs more than the writes it would serve (on a virtual machine, its first touch is a trip to the
 * host), so a service keeps as many pairs as it ever wrote files at once.
 */
export class SlabPool {
  private readonly free: SlabPair[] = [];

  constructor(private readonly slabBytes: number) {
    if (slabBytes <= 0 || slabBytes % DIRECT_IO_ALIGNMENT !== 0) throw new RangeError(`slabs are a multiple of ${DIRECT_IO_ALIGNMENT} bytes long`);
  }

  take(): SlabPair {
    return this.free.pop() ?? [alignedBuffer(this.slabBytes), alignedBuffer(this.slabBytes)];
  }

  give(pair: SlabPair): void {
    this.free.push(pair);
  }
}
