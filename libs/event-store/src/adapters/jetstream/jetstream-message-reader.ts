import type { JetStreamClient, JsMsg } from 'nats';
import type { BatchMessage, BatchedEvent } from './jetstream-batch';

export function batchOfConsumed(message: JsMsg): BatchMessage {
  return {
    seq: message.seq,
    headers: message.headers,
    events: message.json<BatchedEvent[]>(),
    recordedAt: new Date(Math.floor(message.info.timestampNanos / 1e6)),
  };
}

export interface MessageRange {
  stream: string;
  filter: string;
  fromSeq: number;
  /** The last sequence to read: a snapshot of the end, so that a read terminates while others keep appending. */
  untilSeq: number;
}

/**
 * The messages of a range through an ordered consumer (batched pulls, no acks). The caller must know that a message
 * matching `filter` exists in the range, or the consumer would wait for one. Breaking out early is fine: the consumer
 * is stopped and deleted either way, so none lingers on the server.
 */
export async function* readBatchMessages(js: JetStreamClient, range: MessageRange): AsyncGenerator<BatchMessage> {
  if (range.fromSeq > range.untilSeq) return;
  const consumer = await js.consumers.get(range.stream, { filterSubjects: range.filter, opt_start_seq: range.fromSeq });
  try {
    const messages = await consumer.consume({ max_messages: 256 });
    try {
      for await (const message of messages) {
        yield batchOfConsumed(message);
        if (message.seq >= range.untilSeq || message.info.pending === 0) return;
      }
    } finally {
      await messages.close();
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
