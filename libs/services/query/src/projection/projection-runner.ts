import type { AllSubscription, EventStore } from '@hangar/event-store';
import type { ReadModelStore } from '../read-model/read-model-store';
import { project } from './build-projection';

/**
 * Keeps the read models up to date: tails the store from the read models' own checkpoint and applies each event in
 * the same transaction as the checkpoint move.
 */
export class ProjectionRunner {
  private subscription: AllSubscription | null = null;
  private running: Promise<void> | null = null;
  private waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    const from = this.readModels.checkpoint();
    const subscription = this.store.subscribeToAll(from === null ? {} : { after: from });
    this.subscription = subscription;
    this.running = (async () => {
      for await (const event of subscription) {
        this.readModels.commit(event.position, (tx) => project(tx, event));
        this.waiters = this.waiters.filter((w) => (w.position <= event.position ? (w.resolve(), false) : true));
      }
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
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
    await this.running;
  }
}
