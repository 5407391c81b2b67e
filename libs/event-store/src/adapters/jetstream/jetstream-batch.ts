import type { MsgHdrs } from 'nats';
import type { EventMetadata } from '@hangar/contracts';
import type { RecordedEvent } from '../../port/event-store.port';

/** At most this many events per append: an event's position is `sequence × 1000 + index in its batch`. */
export const MAX_BATCH_SIZE = 1000;
const POSITIONS_PER_MESSAGE = BigInt(MAX_BATCH_SIZE);

export const BatchHeader = {
  /** The event stream's name, unescaped (the subject holds it escaped). */
  stream: 'Hangar-Stream',
  /** Revision of the batch's last event: with the batch's length it gives every event's revision. */
  lastRevision: 'Hangar-Revision',
} as const;

/** One event as the batch message's JSON array holds it. */
export interface BatchedEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/** What both a consumed message and a directly read one offer. */
export interface BatchMessage {
  seq: number;
  headers: MsgHdrs | undefined;
  events: BatchedEvent[];
  recordedAt: Date;
}

export function positionOf(seq: number, index: number): bigint {
  return BigInt(seq) * POSITIONS_PER_MESSAGE + BigInt(index);
}

/** The message holding the event at `position` (a position after every event of it selects it too). */
export function sequenceOf(position: bigint): number {
  const seq = position / POSITIONS_PER_MESSAGE;
  return seq < 1n ? 1 : Number(seq);
}

export function lastRevisionOf(headers: MsgHdrs | undefined): bigint {
  return BigInt(requiredHeader(headers, BatchHeader.lastRevision));
}

/** Every message on the store's subjects was written by `append`: one without our headers is a foreign publisher's. */
function requiredHeader(headers: MsgHdrs | undefined, name: string): string {
  const value = headers?.get(name);
  if (!value) throw new Error(`a message on the event store's subjects has no ${name} header: not written by JetStreamEventStore`);
  return value;
}

export function recordedEventsOf(message: BatchMessage): RecordedEvent[] {
  const stream = requiredHeader(message.headers, BatchHeader.stream);
  const firstRevision = lastRevisionOf(message.headers) - BigInt(message.events.length - 1);
  return message.events.map((event, index) => ({
    id: event.id,
    stream,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    revision: firstRevision + BigInt(index),
    position: positionOf(message.seq, index),
    recordedAt: message.recordedAt,
  }));
}
