import type { AllSubscription, RecordedEvent } from '../../port/event-store.port';

/** Subscribers of one store instance, woken right after each of its appends commits. */
export class AppendSignal {
  private readonly listeners = new Set<() => void>();

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export interface SqliteAllSubscriptionOptions {
  after?: bigint;
  pageSize: number;
  /** Another process may append to the same file: its events are seen after at most this long. */
  pollIntervalMs: number;
  readPage(after: bigint | undefined, limit: number): RecordedEvent[];
  signal: AppendSignal;
  onEnd(subscription: SqliteAllSubscription): void;
}

/**
 * Pages through the backlog, then sleeps until this store appends (in-process signal) or the poll interval passes
 * (appends by another process, which no signal reaches). `close()` wakes the sleeper so the iteration ends at once.
 */
export class SqliteAllSubscription implements AllSubscription {
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: SqliteAllSubscriptionOptions) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    const { pageSize, readPage } = this.options;
    let cursor = this.options.after;
    try {
      while (!this.closed) {
        const page = readPage(cursor, pageSize);
        for (const event of page) {
          yield event;
          cursor = event.position;
          if (this.closed) return;
        }
        if (page.length < pageSize) await this.sleep();
      }
    } finally {
      this.closed = true;
      this.options.onEnd(this);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.options.onEnd(this);
  }

  private sleep(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopListening();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      const stopListening = this.options.signal.listen(done);
      this.wake = done;
    });
  }
}
