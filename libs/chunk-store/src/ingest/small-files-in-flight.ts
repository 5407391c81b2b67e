import { alignUp, copyBytes } from '@hangar/blob-store';
import { ChunkRing } from '../content-store/chunk-ring';

/**
 * The single-chunk files an ingest stores while its parser reads on (`writeSingleChunkFile`): each is copied into a
 * ring of memory allocated once (its pieces are views the source reuses) and stored from there, at most `maxFiles`
 * at once and as many as the ring holds. The parser waits for room before it hands the next one on, so memory stays
 * fixed whatever the build (fresh copies of a build's thousand 300 KiB files took 20 MiB more, waiting for a full
 * collection). Stores finish in any order; a region of the ring is reused once every region taken before it is
 * free too. A failure is kept and thrown at the next start, so that the stream stops about where it stopped when
 * files were stored one at a time.
 */
export class SmallFilesInFlight {
  private readonly memory: ChunkRing;
  /** The regions taken from the ring, oldest first, and whether their file has settled. */
  private readonly regions: { settled: boolean }[] = [];
  private readonly running = new Set<Promise<void>>();
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  /** `memoryBytes` must hold the largest file twice over (rounded to the alignment, see `ChunkRing`). */
  constructor(
    private readonly maxFiles: number,
    memoryBytes: number,
  ) {
    this.memory = new ChunkRing(alignUp(memoryBytes));
  }

  /**
   * Copies `pieces` (`size` bytes in all) into the ring once there is room, and starts `store` on the copy, which
   * stays as it is until `store` settles. Resolves once it has started, with its outcome (in an object: a promise
   * would be awaited).
   */
  async start<T>(pieces: readonly Buffer[], size: number, store: (bytes: Buffer) => Promise<T>): Promise<{ outcome: Promise<T> }> {
    let room: Buffer | null = null;
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.regions.length < this.maxFiles) room = this.memory.take(size);
      if (room) break;
      if (this.regions.length === 0) throw new RangeError(`a file of ${size} bytes does not fit a ring of ${this.memory.capacity}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    let at = 0;
    for (const piece of pieces) at += copyBytes(piece, room, at);
    const region = { settled: false };
    this.regions.push(region);
    const outcome = store(room);
    const settled = outcome
      .then(
        () => undefined,
        (error: Error) => {
          this.failure ??= error;
        },
      )
      .finally(() => {
        region.settled = true;
        while (this.regions[0]?.settled) {
          this.regions.shift();
          this.memory.release();
        }
        this.running.delete(settled);
        const wake = this.wake;
        this.wake = null;
        wake?.();
      });
    this.running.add(settled);
    return { outcome };
  }

  /** Every store started has settled (succeeded or failed). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
