import { randomUUID } from 'node:crypto';
import {
  DiscardPolicy,
  headers,
  JSONCodec,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { AppendBatchTooLarge } from '../../append/append.errors';
import { WrongExpectedVersion } from '@hangar/contracts';
import { assertNotEmpty, checkExpectedRevision, describeRevision } from '../../append/expected-revision';
import type {
  AllSubscription,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
} from '../../port/event-store.port';
import { hasJetStreamErrorCode, JetStreamErrorCode, JetStreamStreamConflict } from './jetstream-api-error';
import { JetStreamAllSubscription } from './jetstream-all-subscription';
import {
  BatchHeader,
  lastRevisionOf,
  MAX_BATCH_SIZE,
  positionOf,
  recordedEventsOf,
  sequenceOf,
  type BatchedEvent,
} from './jetstream-batch';
import { readBatchMessages } from './jetstream-message-reader';
import { jetStreamNames, type JetStreamNames } from './jetstream-names';

export interface JetStreamEventStoreOptions {
  /** Names the JetStream stream and subjects: `hangar` -> stream `HANGAR_EVENTS`, subjects `hangar.es.>`. */
  prefix: string;
  /** Replicas of the stream `init` creates (default 1; 3 in a production cluster). */
  replicas?: number;
}

/** The last message on an event stream's subject: its sequence guards the next append. */
interface StreamHead {
  seq: number;
  revision: bigint;
}

/** A conflicting writer on an `any`/`stream_exists` append is retried; this bounds a pathological loop. */
const MAX_APPEND_ATTEMPTS = 20;
const EXPECTED_LAST_SUBJECT_SEQUENCE = 'Nats-Expected-Last-Subject-Sequence';
const codec = JSONCodec<BatchedEvent[]>();

/**
 * The event store on NATS JetStream (works with nats-server 2.9). One JetStream stream per deployment; each event
 * stream is one subject, and each append is one message holding the whole batch, so that an append is atomic and
 * `Nats-Expected-Last-Subject-Sequence` guards it. An event's position is `sequence × 1000 + index in its batch`.
 *
 * The store does not own the connection it is given: `close()` ends its subscriptions but leaves the connection
 * open, for its owner to drain.
 */
export class JetStreamEventStore implements EventStore {
  readonly names: JetStreamNames;
  private readonly js: JetStreamClient;
  private readonly subscriptions = new Set<JetStreamAllSubscription>();
  private jsmPromise: Promise<JetStreamManager> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: JetStreamEventStoreOptions,
  ) {
    this.names = jetStreamNames(options.prefix);
    this.js = nc.jetstream();
  }

  /** A store whose JetStream stream exists: created when missing, accepted when it already holds our subjects. */
  static async init(nc: NatsConnection, options: JetStreamEventStoreOptions): Promise<JetStreamEventStore> {
    const store = new JetStreamEventStore(nc, options);
    await store.ensureStream();
    return store;
  }

  async ensureStream(): Promise<void> {
    const jsm = await this.jsm();
    const config: Partial<StreamConfig> = {
      name: this.names.stream,
      subjects: [this.names.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: this.options.replicas ?? 1,
      // An event store never forgets: no limits, no deleting or purging messages.
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      deny_delete: true,
      deny_purge: true,
      duplicate_window: nanos(2 * 60_000),
    };
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // Adding is idempotent for an identical config; a different one (e.g. other replicas) is fine if it holds our
      // subjects.
      if (!hasJetStreamErrorCode(error, JetStreamErrorCode.streamNameInUse)) throw error;
      const existing = await jsm.streams.info(this.names.stream);
      if (!existing.config.subjects?.includes(this.names.subjects)) {
        throw new JetStreamStreamConflict(this.names.stream, existing.config.subjects ?? [], this.names.subjects);
      }
    }
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertNotEmpty(stream, events);
    if (events.length > MAX_BATCH_SIZE) throw new AppendBatchTooLarge(stream, events.length, MAX_BATCH_SIZE);
    const subject = this.names.subjectOf(stream);
    const batch: BatchedEvent[] = events.map((event) => ({
      id: event.id ?? randomUUID(),
      type: event.type,
      data: event.data ?? null,
      metadata: event.metadata ?? {},
    }));
    const payload = codec.encode(batch);

    for (let attempt = 1; ; attempt++) {
      const head = await this.headOf(subject);
      checkExpectedRevision(stream, expected, head?.revision ?? null);
      const lastRevision = (head?.revision ?? -1n) + BigInt(batch.length);
      const messageHeaders = headers();
      messageHeaders.set(BatchHeader.stream, stream);
      messageHeaders.set(BatchHeader.lastRevision, lastRevision.toString());
      // Set by hand: nats.js skips a falsy `expect.lastSubjectSequence`, and 0 is what "no message yet" needs.
      messageHeaders.set(EXPECTED_LAST_SUBJECT_SEQUENCE, String(head?.seq ?? 0));
      try {
        // The first event's id de-duplicates a retried publish whose acknowledgement was lost.
        const ack = await this.js.publish(subject, payload, { headers: messageHeaders, msgID: batch[0]!.id });
        if (ack.duplicate) return this.resultOfStoredBatch(ack.seq);
        return { nextExpectedRevision: lastRevision, position: positionOf(ack.seq, batch.length - 1) };
      } catch (error) {
        if (!hasJetStreamErrorCode(error, JetStreamErrorCode.wrongLastSequence)) throw error;
        // Another writer got in between: check `expected` again against the new head (it throws
        // WrongExpectedVersion unless `expected` is `any` or still-satisfied `stream_exists`).
        if (attempt >= MAX_APPEND_ATTEMPTS) {
          const actual = (await this.headOf(subject))?.revision ?? null;
          throw new WrongExpectedVersion(stream, describeRevision(expected), describeRevision(actual));
        }
      }
    }
  }

  async readStream(stream: string): Promise<RecordedEvent[]> {
    const subject = this.names.subjectOf(stream);
    const head = await this.headOf(subject);
    if (!head) return [];
    const events: RecordedEvent[] = [];
    for await (const message of readBatchMessages(this.js, {
      stream: this.names.stream,
      filter: subject,
      fromSeq: 1,
      untilSeq: head.seq,
    })) {
      events.push(...recordedEventsOf(message));
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { after, limit = Infinity } = options;
    if (limit <= 0) return [];
    const { state } = await (await this.jsm()).streams.info(this.names.stream);
    const fromSeq = after === undefined ? 1 : sequenceOf(after);
    const untilSeq = state.last_seq;
    if (state.messages === 0 || untilSeq < fromSeq) return [];
    const events: RecordedEvent[] = [];
    for await (const message of readBatchMessages(this.js, {
      stream: this.names.stream,
      filter: this.names.subjects,
      fromSeq: Math.max(fromSeq, state.first_seq),
      untilSeq,
    })) {
      for (const event of recordedEventsOf(message)) {
        if (after !== undefined && event.position <= after) continue;
        events.push(event);
        if (events.length >= limit) return events;
      }
    }
    return events;
  }

  subscribeToAll(options: { after?: bigint } = {}): AllSubscription {
    const subscription = new JetStreamAllSubscription(this.js, {
      stream: this.names.stream,
      filter: this.names.subjects,
      after: options.after,
      onEnd: (ended) => this.subscriptions.delete(ended),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends this store's subscriptions. The NATS connection stays open: it belongs to whoever passed it in. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
  }

  private jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= this.nc.jetstreamManager();
    return this.jsmPromise;
  }

  /** The last message on an event stream's subject, or null when the stream has no event. */
  private async headOf(subject: string): Promise<StreamHead | null> {
    const jsm = await this.jsm();
    try {
      const message = await jsm.streams.getMessage(this.names.stream, { last_by_subj: subject });
      return { seq: message.seq, revision: lastRevisionOf(message.header) };
    } catch (error) {
      if (hasJetStreamErrorCode(error, JetStreamErrorCode.noMessageFound)) return null;
      throw error;
    }
  }

  private async resultOfStoredBatch(seq: number): Promise<AppendResult> {
    const jsm = await this.jsm();
    const message = await jsm.streams.getMessage(this.names.stream, { seq });
    const count = codec.decode(message.data).length;
    return { nextExpectedRevision: lastRevisionOf(message.header), position: positionOf(seq, count - 1) };
  }
}
