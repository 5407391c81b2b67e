import type { AllSubscription, EventStore, RecordedEvent } from '@hangar/event-store';
import type { ReadModelStore } from '../read-model/read-model-store';
import { project } from './build-projection';

/** Events applied per transaction while catching up (a rebuild from position 0 commits once per page). */
const CATCH_UP_PAGE = 2000;

/**
 * Keeps the read models up to date: catches up from the read models' own checkpoint in pages, each page applied in
 * one transaction with the checkpoint move, then tails the store and applies each new event the same way.
 */
export class ProjectionRunner {
  private subscription: AllSubscription | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.running = (async () => {
      let from = this.readModels.checkpoint();
      for (;;) {
        if (this.stopped) return;
        const page = await this.store.readAll({ ...(from === null ? {} : { after: from }), limit: CATCH_UP_PAGE });
        if (page.length === 0) break;
        from = this.apply(page);
        if (page.length < CATCH_UP_PAGE) break;
      }
      if (this.stopped) return;
      const subscription = this.store.subscribeToAll(from === null ? {} : { after: from });
      this.subscription = subscription;
      for await (const event of subscription) this.apply([event]);
    })().catch(this.onError);
  }

  /** Resolves once the read models include the event at `position` (read-your-writes), or after `timeoutMs`. */
  async caughtUpTo(position: bigint, timeoutMs = 5000): Promise<boolean> {
    const checkpoint = this.readModels.checkpoint();
    if (checkpoint !== null && checkpoint >= position) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push({ position, resolve: () => (clearTimeout(timer), resolve(true)) });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
    await this.running;
  }

  /** Applies events (in position order) in one transaction; returns the new checkpoint. */
  private apply(events: RecordedEvent[]): bigint {
    const last = events[events.length - 1]!.position;
    this.readModels.commit(last, (tx) => {
      for (const event of events) project(tx, event);
    });
    this.waiters = this.waiters.filter((w) => (w.position <= last ? (w.resolve(), false) : true));
    return last;
  }
}
