import { excludeSystemEvents, START, type AllStreamSubscription, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { AllSubscription, RecordedEvent } from '../../port/event-store.port';
import { recordedEventOf } from './kurrentdb-recorded-event';

/**
 * KurrentDB's catch-up subscription to `$all`, without system events. `after` is re-checked here because a position
 * names an event, and whether the server starts at or after it is not ours to rely on.
 */
export class KurrentDbAllSubscription implements AllSubscription {
  private readonly subscription: AllStreamSubscription;
  private closed = false;

  constructor(
    client: KurrentDBClient,
    private readonly after: bigint | undefined,
    private readonly onEnd: (subscription: KurrentDbAllSubscription) => void,
  ) {
    this.subscription = client.subscribeToAll({
      fromPosition: after === undefined ? START : { commit: after, prepare: after },
      filter: excludeSystemEvents(),
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    try {
      for await (const resolved of this.subscription) {
        if (this.closed) return;
        const event = recordedEventOf(resolved);
        if (!event || (this.after !== undefined && event.position <= this.after)) continue;
        yield event;
      }
    } finally {
      await this.close();
    }
  }

  /** Cancels the server call; the readable then ends, and with it the iteration. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscription.unsubscribe().catch(() => undefined);
    this.onEnd(this);
  }
}
