import type { EventMetadata } from '@hangar/contracts';

export const EVENT_STORE = Symbol('EVENT_STORE');

/** An event about to be appended. `id` is optional: the store assigns a UUID when absent. */
export interface NewEvent {
  id?: string;
  type: string;
  data: unknown;
  metadata?: EventMetadata;
}

/** An event as stored. `revision` counts from 0 within its stream; `position` orders all events of the store. */
export interface RecordedEvent<T extends string = string, D = unknown> {
  id: string;
  stream: string;
  type: T;
  data: D;
  metadata: EventMetadata;
  revision: bigint;
  /** Strictly increasing over the whole store, in append order; not necessarily contiguous. */
  position: bigint;
  recordedAt: Date;
}

/**
 * The revision a writer expects the stream to be at, as KurrentDB spells it:
 * `no_stream` (must not exist), `stream_exists`, `any`, or the revision of the stream's last event.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export interface AppendResult {
  /** Revision of the last event appended. */
  nextExpectedRevision: bigint;
  /** Position of the last event appended. */
  position: bigint;
}

export interface ReadAllOptions {
  /** Exclusive: return events whose position is greater than this. Absent: from the start. */
  after?: bigint;
  /** At most this many events. */
  limit?: number;
}

/** A live tail of the whole store: yields every event after `after`, then waits for new ones, until closed. */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/**
 * The event store port. Adapters: embedded SQLite, NATS JetStream, KurrentDB. Every adapter passes
 * `eventStoreContract` (testing/event-store.contract.ts).
 *
 * Appends are atomic per call (all events or none) and guarded by `expected`; a mismatch throws
 * `WrongExpectedVersion` from @hangar/contracts.
 */
export interface EventStore {
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Every event of one stream, in revision order; an empty array when the stream does not exist. */
  readStream(stream: string): Promise<RecordedEvent[]>;
  /** A page of the global log, in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: { after?: bigint }): AllSubscription;
  close(): Promise<void>;
}
