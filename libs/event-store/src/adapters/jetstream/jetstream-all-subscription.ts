import type { Consumer, ConsumerMessages, JetStreamClient } from 'nats';
import type { AllSubscription, RecordedEvent } from '../../port/event-store.port';
import { recordedEventsOf, sequenceOf } from './jetstream-batch';
import { batchOfConsumed } from './jetstream-message-reader';

export interface JetStreamAllSubscriptionOptions {
  stream: string;
  filter: string;
  after?: bigint;
  onEnd(subscription: JetStreamAllSubscription): void;
}

/**
 * A live tail through an ordered consumer: it starts at the message holding `after` (skipping the events of that
 * batch already seen) and follows the stream until `close()`, which stops the pull and deletes the consumer.
 */
export class JetStreamAllSubscription implements AllSubscription {
  private closed = false;
  private consumer: Consumer | undefined;
  private messages: ConsumerMessages | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: JetStreamAllSubscriptionOptions,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    const { stream, filter, after } = this.options;
    // Locals as well as fields: close() may run while a consumer is being set up, and whatever got created must still
    // be released here.
    let consumer: Consumer | undefined;
    let messages: ConsumerMessages | undefined;
    try {
      const fromSeq = after === undefined ? 1 : sequenceOf(after);
      consumer = this.consumer = await this.js.consumers.get(stream, { filterSubjects: filter, opt_start_seq: fromSeq });
      if (this.closed) return;
      messages = this.messages = await consumer.consume({ max_messages: 256 });
      if (this.closed) return;
      for await (const message of messages) {
        for (const event of recordedEventsOf(batchOfConsumed(message))) {
          if (after !== undefined && event.position <= after) continue;
          yield event;
          if (this.closed) return;
        }
      }
    } finally {
      this.closed = true;
      await release(consumer, messages);
      this.options.onEnd(this);
    }
  }

  /** Ends the iteration (a pending `next()` resolves done) and deletes the consumer on the server. */
  async close(): Promise<void> {
    this.closed = true;
    await release(this.consumer, this.messages);
    this.options.onEnd(this);
  }
}

async function release(consumer: Consumer | undefined, messages: ConsumerMessages | undefined): Promise<void> {
  await messages?.close();
  await consumer?.delete().catch(() => undefined);
}
