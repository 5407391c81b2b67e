/**
 * Bounds the single-chunk files an ingest stores at once (`writeSingleChunkFile`): how many, and how many bytes their
 * copies hold. The parser waits for room before it hands the next one on, so memory stays bounded whatever the
 * build; a failure is kept and thrown at the next start, so that the stream stops about where it stopped when files
 * were stored one at a time.
 */
export class SmallFilesInFlight {
  private files = 0;
  private bytes = 0;
  private readonly running = new Set<Promise<void>>();
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Starts `store` (holding `size` bytes until it settles) once there is room: one is always let through when
   * nothing is under way. Resolves once it has started, with its outcome (in an object: a promise would be awaited).
   */
  async start<T>(size: number, store: () => Promise<T>): Promise<{ outcome: Promise<T> }> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.files === 0 || (this.files < this.maxFiles && this.bytes + size <= this.maxBytes)) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.files++;
    this.bytes += size;
    const outcome = store();
    const settled = outcome
      .then(
        () => undefined,
        (error: Error) => {
          this.failure ??= error;
        },
      )
      .finally(() => {
        this.files--;
        this.bytes -= size;
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
