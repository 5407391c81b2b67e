import { Subjects, streamCategory, type PublishedEvent } from '@hangar/contracts';
import type { MessageBus } from '@hangar/bus';
import type { AllSubscription, CheckpointStore, EventStore, RecordedEvent } from '@hangar/event-store';

export const RELAY_CHECKPOINT = 'event-relay';

export function toPublishedEvent(event: RecordedEvent): PublishedEvent {
  return {
    id: event.id,
    type: event.type,
    stream: event.stream,
    revision: event.revision.toString(),
    position: event.position.toString(),
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}

/**
 * The outbox: the event store is the source of truth, and the relay publishes every stored event on the bus
 * (`events.<category>.<type>`) with the event's id as the de-duplication id. Services never publish the events they
 * append, so a crash between "append" and "publish" loses nothing: the relay resumes from its checkpoint.
 *
 * Several relays may run (one in each process that appends, for availability): they share the checkpoint, which only
 * moves forward, and the bus drops the duplicates they publish within its duplicate window. Consumers are idempotent
 * anyway (the deciders turn repeats into no-ops), so a late duplicate is harmless.
 */
export class EventRelay {
  private subscription: AllSubscription | null = null;
  private running: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastPublished: bigint | null = null;
  private readonly checkpointName: string;

  constructor(
    private readonly store: EventStore,
    private readonly bus: Pick<MessageBus, 'publish'>,
    private readonly checkpoints: CheckpointStore,
    private readonly options: {
      checkpointName?: string;
      flushIntervalMs?: number;
      onError?: (error: unknown) => void;
      /** Relays only the events this accepts (the public feed); the others are passed over, checkpoint and all. */
      select?: (event: RecordedEvent) => boolean;
    } = {},
  ) {
    this.checkpointName = options.checkpointName ?? RELAY_CHECKPOINT;
  }

  async start(): Promise<void> {
    const from = await this.checkpoints.load(this.checkpointName);
    const subscription = this.store.subscribeToAll(from === null ? {} : { after: from });
    this.subscription = subscription;
    this.running = (async () => {
      for await (const event of subscription) await this.publish(event);
    })().catch((error) => this.options.onError?.(error));
    // The checkpoint trails the publishing by at most one interval: after a crash the relay re-publishes that much,
    // and the bus (or the idempotent consumers) drop the repeats.
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 250);
    this.flushTimer.unref();
  }

  private async publish(event: RecordedEvent): Promise<void> {
    if (this.options.select && !this.options.select(event)) {
      this.lastPublished = event.position;
      return;
    }
    const subject = Subjects.eventOf(streamCategory(event.stream), event.type);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bus.publish(subject, toPublishedEvent(event), { id: event.id });
        this.lastPublished = event.position;
        return;
      } catch (error) {
        if (!this.subscription) throw error;
        this.options.onError?.(error);
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  private async flush(): Promise<void> {
    const position = this.lastPublished;
    if (position === null) return;
    await this.checkpoints.advance(this.checkpointName, position).catch((error) => this.options.onError?.(error));
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
    await this.running;
    await this.flush();
  }
}
