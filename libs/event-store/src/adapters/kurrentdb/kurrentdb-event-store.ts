import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  excludeSystemEvents,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendStreamState,
  type JSONType,
} from '@kurrent/kurrentdb-client';
import { WrongExpectedVersion } from '@hangar/contracts';
import { assertNotEmpty, describeRevision } from '../../append/expected-revision';
import type {
  AllSubscription,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
} from '../../port/event-store.port';
import { KurrentDbAllSubscription } from './kurrentdb-all-subscription';
import { recordedEventOf } from './kurrentdb-recorded-event';

export interface KurrentDbEventStoreOptions {
  /** Dispose the client on `close()` (true when the store created it from a connection string). */
  ownsClient?: boolean;
}

/**
 * The event store on KurrentDB (formerly EventStoreDB). Positions are commit positions in its log; system events
 * (`$...`) are left out of global reads. Event ids must be UUIDs (KurrentDB's rule); missing ones get a random UUID.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly subscriptions = new Set<KurrentDbAllSubscription>();

  constructor(
    private readonly client: KurrentDBClient,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {}

  /** A store with its own client, e.g. `kurrentdb://localhost:2113?tls=false`; `close()` disposes the client. */
  static connect(connectionString: string): KurrentDbEventStore {
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), { ownsClient: true });
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertNotEmpty(stream, events);
    const batch = events.map((event) =>
      jsonEvent({
        id: event.id ?? randomUUID(),
        type: event.type,
        // The client serialises data as JSON whatever its shape; its JSONType is narrower than our `unknown`.
        data: (event.data ?? null) as JSONType,
        metadata: event.metadata ?? {},
      }),
    );
    try {
      const result = await this.client.appendToStream(stream, batch, { streamState: streamStateOf(expected) });
      return {
        nextExpectedRevision: result.nextExpectedRevision,
        position: result.position?.commit ?? (await this.lastPositionOf(stream)),
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedVersion(stream, describeRevision(expected), String(error.actualState));
      }
      throw error;
    }
  }

  async readStream(stream: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream)) {
        const event = recordedEventOf(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { after, limit = Infinity } = options;
    if (limit <= 0) return [];
    const events: RecordedEvent[] = [];
    // No `maxCount`: whether the server counts filtered-out events in it is not documented, and a short page would end
    // a reader's paging early. Leaving the loop cancels the read instead.
    const read = this.client.readAll({
      fromPosition: after === undefined ? START : { commit: after, prepare: after },
      filter: excludeSystemEvents(),
    });
    for await (const resolved of read) {
      const event = recordedEventOf(resolved);
      // Reading from a position includes the event at it.
      if (!event || (after !== undefined && event.position <= after)) continue;
      events.push(event);
      if (events.length >= limit) break;
    }
    return events;
  }

  subscribeToAll(options: { after?: bigint } = {}): AllSubscription {
    const subscription = new KurrentDbAllSubscription(this.client, options.after, (ended) =>
      this.subscriptions.delete(ended),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends the subscriptions; disposes the client only if this store created it. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.options.ownsClient) await this.client.dispose();
  }

  /** For servers whose append result carries no position. */
  private async lastPositionOf(stream: string): Promise<bigint> {
    for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      const event = recordedEventOf(resolved);
      if (event) return event.position;
    }
    throw new Error(`stream ${stream}: no event found right after appending to it`);
  }
}

function streamStateOf(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return expected;
  }
}
