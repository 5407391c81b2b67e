import { randomUUID } from 'node:crypto';
import { WrongExpectedVersion, type EventMetadata } from '@hangar/contracts';
import { assertNotEmpty, checkExpectedRevision } from '../append/expected-revision';
import type {
  AllSubscription,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
} from '../port/event-store.port';
import { chainTip, eventHash } from './event-hash';

/** The last event of a stream as the chain sees it. */
interface ChainHead {
  revision: bigint;
  hash: string | null;
}

/** Writers of one stream racing an `any` append are retried; this bounds a pathological loop. */
const MAX_APPEND_ATTEMPTS = 20;
/** Heads remembered per process, so that a process appending to a stream again need not read it first. */
const MAX_REMEMBERED_HEADS = 10_000;

/**
 * Tamper evidence for any EventStore adapter: every appended event gets `metadata.previousHash` (the previous event's
 * hash) and `metadata.hash` (docs/audit.md). The decorator reads the stream's head and appends with that exact
 * revision, whatever the caller expected: two writers with `any` then cannot both link to the same event (the loser
 * reads the new head and links again), so the chain never forks. A caller's own expectation is checked against the
 * head first, so `WrongExpectedVersion` means what it did before.
 *
 * The head a process last appended is remembered; when another process has appended since, the store refuses the
 * exact revision and the head is read again.
 */
export class HashChainedEventStore implements EventStore {
  private readonly heads = new Map<string, ChainHead>();

  constructor(private readonly inner: EventStore) {}

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertNotEmpty(stream, events);
    const normalised = events.map((event) => ({
      id: event.id ?? randomUUID(),
      type: event.type,
      data: jsonValue(event.data ?? null),
      metadata: jsonValue(event.metadata ?? {}) as EventMetadata,
    }));
    for (let attempt = 1; ; attempt++) {
      const remembered = this.heads.get(stream);
      const head = remembered ?? (await this.readHead(stream));
      try {
        checkExpectedRevision(stream, expected, head?.revision ?? null);
      } catch (error) {
        if (!remembered) throw error;
        this.heads.delete(stream);
        continue;
      }
      const chained = link(stream, normalised, head);
      try {
        const result = await this.inner.append(stream, chained, head?.revision ?? 'no_stream');
        const last = chained[chained.length - 1]!;
        // A store that recognised a retried append (JetStream, by event id) answers with the earlier append's revision:
        // what it holds then is not this chain, so nothing is remembered.
        if (result.nextExpectedRevision === last.revision) this.remember(stream, { revision: last.revision, hash: last.metadata.hash! });
        else this.heads.delete(stream);
        return result;
      } catch (error) {
        this.heads.delete(stream);
        if (!(error instanceof WrongExpectedVersion) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
      }
    }
  }

  readStream(stream: string): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  subscribeToAll(options?: { after?: bigint }): AllSubscription {
    return this.inner.subscribeToAll(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async readHead(stream: string): Promise<ChainHead | null> {
    const events = await this.inner.readStream(stream);
    if (events.length === 0) return null;
    return { revision: events[events.length - 1]!.revision, hash: chainTip(events) };
  }

  private remember(stream: string, head: ChainHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    if (this.heads.size > MAX_REMEMBERED_HEADS) this.heads.delete(this.heads.keys().next().value as string);
  }
}

/** The events with their chain links, the first linking to `head`. */
function link(stream: string, events: { id: string; type: string; data: unknown; metadata: EventMetadata }[], head: ChainHead | null) {
  let revision = head?.revision ?? -1n;
  let previousHash = head?.hash ?? null;
  return events.map((event) => {
    revision += 1n;
    const metadata: EventMetadata = { ...event.metadata, previousHash };
    const hash = eventHash({ ...event, stream, revision, metadata }, previousHash);
    previousHash = hash;
    return { ...event, revision, metadata: { ...metadata, hash } };
  });
}

/** The value as every adapter reads it back (JSON): the hash must cover what a reader will see. */
function jsonValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
