import { randomUUID } from 'node:crypto';
import { WrongExpectedVersion } from '@hangar/contracts';
import type { EventStore, ExpectedRevision, NewEvent, RecordedEvent } from '../port/event-store.port';
import { nextMatching, withTimeout } from './async-iteration';

/** What an adapter's spec hands to the contract for each test. */
export interface EventStoreUnderTest {
  store: EventStore;
  /**
   * A second store over the same data, opened independently (a new SQLite handle, a new NATS connection), as a
   * restarted or second process would. It may be called after `store.close()`. Absent when the adapter cannot reopen:
   * the durability and cross-instance tests are then skipped.
   */
  reopen?(): Promise<EventStore>;
  /** Close whatever is still open and delete the test's data. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every EventStore adapter must have. The tests hold on a shared store that other runs write to
 * (KurrentDB cannot be reset): streams are unique per test and global reads look only at the test's own streams,
 * after a baseline position taken at the start.
 */
export function eventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`${name} (EventStore contract)`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    const reopened: EventStore[] = [];

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await Promise.all(reopened.splice(0).map((other) => other.close()));
      await subject.cleanup();
    });

    async function reopen(): Promise<EventStore | undefined> {
      const other = await subject.reopen?.();
      if (other) reopened.push(other);
      return other;
    }

    /** The position after which this test's events come: a marker appended to a stream of its own. */
    async function baseline(): Promise<bigint> {
      const { position } = await store.append(uniqueStream('baseline'), [event('Marker')], 'no_stream');
      return position;
    }

    async function ownEventsAfter(after: bigint, streams: string[]): Promise<RecordedEvent[]> {
      return (await store.readAll({ after })).filter((recorded) => streams.includes(recorded.stream));
    }

    describe('append and readStream', () => {
      it('appends to a new stream with no_stream and reads back ids, types, data, metadata and revisions', async () => {
        const stream = uniqueStream();
        const events: NewEvent[] = [
          { id: randomUUID(), type: 'BuildUploaded', data: { uploadId: 'u1', files: ['a.pak', 'b.pak'], size: 1024 }, metadata: { correlationId: 'c1', actor: 'user:1' } },
          { id: randomUUID(), type: 'BuildDownloaded', data: { bytes: 1024, nested: { ok: true, none: null } }, metadata: { causationId: 'x' } },
          { id: randomUUID(), type: 'ScanPassed', data: { summary: 'fine, "quoted" and ünïcode ✓' } },
        ];
        const before = Date.now();

        const result = await store.append(stream, events, 'no_stream');
        const read = await store.readStream(stream);

        expect(read.map(({ id, type, data, stream: s }) => ({ id, type, data, stream: s }))).toEqual(
          events.map(({ id, type, data }) => ({ id, type, data, stream })),
        );
        expect(read[0]!.metadata).toMatchObject({ correlationId: 'c1', actor: 'user:1' });
        expect(read[1]!.metadata).toMatchObject({ causationId: 'x' });
        expect(read[2]!.metadata).toEqual(expect.any(Object));
        expect(read.map((recorded) => recorded.revision)).toEqual([0n, 1n, 2n]);
        for (const recorded of read) {
          expect(recorded.recordedAt).toBeInstanceOf(Date);
          // Server clocks (NATS, KurrentDB) may differ a little from ours.
          expect(Math.abs(recorded.recordedAt.getTime() - before)).toBeLessThan(60_000);
        }
        expect(result).toEqual({ nextExpectedRevision: 2n, position: read[2]!.position });
      });

      it('assigns a unique id to an event appended without one', async () => {
        const stream = uniqueStream();
        await store.append(stream, [{ type: 'A', data: {} }, { type: 'B', data: {} }], 'no_stream');
        const [first, second] = await store.readStream(stream);
        expect(first!.id).toEqual(expect.any(String));
        expect(first!.id.length).toBeGreaterThan(0);
        expect(first!.id).not.toBe(second!.id);
      });

      it('appends after the revision the writer expects', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A'), event('B')], 'no_stream');
        const result = await store.append(stream, [event('C')], 1n);
        expect(result.nextExpectedRevision).toBe(2n);
        expect((await store.readStream(stream)).map((recorded) => [recorded.type, recorded.revision])).toEqual([
          ['A', 0n],
          ['B', 1n],
          ['C', 2n],
        ]);
      });

      it('reads a missing stream as an empty array', async () => {
        expect(await store.readStream(uniqueStream('missing'))).toEqual([]);
      });

      it('keeps streams apart even when their names hold dots, wildcards and spaces', async () => {
        const stem = uniqueStream('odd');
        const names = [`${stem}.a`, `${stem}_a`, `${stem}*a`, `${stem}>a`, `${stem} a`, `${stem}%2Ea`, `${stem}.*.>`];
        for (const stream of names) await store.append(stream, [event('Named', { stream })], 'no_stream');
        for (const stream of names) {
          const read = await store.readStream(stream);
          expect(read.map((recorded) => [recorded.stream, recorded.data])).toEqual([[stream, { stream }]]);
        }
      });
    });

    describe('expected revision', () => {
      it.each<[string, ExpectedRevision, boolean]>([
        ['no_stream on an existing stream', 'no_stream', true],
        ['a stale revision', 0n, true],
        ['a revision from the future', 5n, true],
        ['stream_exists on a missing stream', 'stream_exists', false],
        ['a revision on a missing stream', 0n, false],
      ])('rejects %s with WrongExpectedVersion and writes nothing', async (_, expected, exists) => {
        const stream = uniqueStream();
        if (exists) await store.append(stream, [event('A'), event('B')], 'no_stream');
        const before = await store.readStream(stream);
        const after = await baseline();

        const appending = store.append(stream, [event('Rejected'), event('AlsoRejected')], expected);

        await expect(appending).rejects.toBeInstanceOf(WrongExpectedVersion);
        await expect(appending).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', stream });
        expect(await store.readStream(stream)).toEqual(before);
        expect(await ownEventsAfter(after, [stream])).toEqual([]);
      });

      it('accepts stream_exists on an existing stream', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A')], 'no_stream');
        await expect(store.append(stream, [event('B')], 'stream_exists')).resolves.toMatchObject({ nextExpectedRevision: 1n });
      });

      it('accepts any, whether or not the stream exists', async () => {
        const stream = uniqueStream();
        await expect(store.append(stream, [event('A')], 'any')).resolves.toMatchObject({ nextExpectedRevision: 0n });
        await expect(store.append(stream, [event('B'), event('C')], 'any')).resolves.toMatchObject({ nextExpectedRevision: 2n });
        expect((await store.readStream(stream)).map((recorded) => recorded.revision)).toEqual([0n, 1n, 2n]);
      });

      it('lets exactly one of several concurrent appends with the same expected revision win', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('Created')], 'no_stream');
        const other = await reopen();
        const writers = [store, other ?? store, store, other ?? store, store];

        const outcomes = await Promise.allSettled(
          writers.map((writer, i) => writer.append(stream, [event('Racer', { i }), event('RacerTail', { i })], 0n)),
        );

        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const { reason } of lost) expect(reason).toBeInstanceOf(WrongExpectedVersion);
        const read = await store.readStream(stream);
        expect(read.map((recorded) => recorded.type)).toEqual(['Created', 'Racer', 'RacerTail']);
        expect(read[1]!.data).toEqual(read[2]!.data);
      });

      it('lets exactly one of several concurrent no_stream appends create the stream', async () => {
        const stream = uniqueStream();
        const outcomes = await Promise.allSettled([1, 2, 3].map((i) => store.append(stream, [event('Created', { i })], 'no_stream')));
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('readAll', () => {
      it('orders all streams by position, which strictly increases in append order, batches included', async () => {
        const after = await baseline();
        const [a, b] = [uniqueStream('a'), uniqueStream('b')];
        const results = [
          await store.append(a, [event('A0'), event('A1'), event('A2')], 'no_stream'),
          await store.append(b, [event('B0'), event('B1')], 'no_stream'),
          await store.append(a, [event('A3')], 2n),
        ];

        const all = await ownEventsAfter(after, [a, b]);

        expect(all.map((recorded) => recorded.type)).toEqual(['A0', 'A1', 'A2', 'B0', 'B1', 'A3']);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        expect(all[0]!.position).toBeGreaterThan(after);
        expect(results.map((result) => result.position)).toEqual([all[2]!.position, all[4]!.position, all[5]!.position]);
        expect(all.map((recorded) => recorded.revision)).toEqual([0n, 1n, 2n, 0n, 1n, 3n]);
        expect(await store.readStream(a)).toEqual(all.filter((recorded) => recorded.stream === a));
      });

      it('pages with after and limit, splitting a batch in the middle', async () => {
        const after = await baseline();
        const [a, b] = [uniqueStream('a'), uniqueStream('b')];
        await store.append(a, [event('A0')], 'no_stream');
        await store.append(b, [event('B0'), event('B1'), event('B2'), event('B3'), event('B4')], 'no_stream');
        await store.append(a, [event('A1')], 0n);
        const all = await ownEventsAfter(after, [a, b]);
        expect(all.map((recorded) => recorded.type)).toEqual(['A0', 'B0', 'B1', 'B2', 'B3', 'B4', 'A1']);

        const paged: RecordedEvent[] = [];
        let cursor = after;
        for (;;) {
          const page = await store.readAll({ after: cursor, limit: 2 });
          expect(page.length).toBeLessThanOrEqual(2);
          if (page.length === 0) break;
          paged.push(...page);
          cursor = page[page.length - 1]!.position;
        }
        expect(paged.filter((recorded) => [a, b].includes(recorded.stream))).toEqual(all);

        const fromMiddleOfBatch = await store.readAll({ after: all[2]!.position, limit: 3 });
        expect(fromMiddleOfBatch.map((recorded) => recorded.type)).toEqual(['B2', 'B3', 'B4']);
        const fromLastOfBatch = await store.readAll({ after: all[5]!.position });
        expect(fromLastOfBatch.filter((recorded) => [a, b].includes(recorded.stream)).map((recorded) => recorded.type)).toEqual(['A1']);
      });

      it('reads nothing after the last position', async () => {
        const after = await baseline();
        expect((await store.readAll({ after })).filter((recorded) => recorded.type !== 'Marker')).toEqual([]);
      });

      it('writes none of a multi-event append that is rejected', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A')], 'no_stream');
        const after = await baseline();
        await expect(store.append(stream, [event('B'), event('C'), event('D')], 'no_stream')).rejects.toBeInstanceOf(
          WrongExpectedVersion,
        );
        expect(await ownEventsAfter(after, [stream])).toEqual([]);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers the backlog after `after`, then live events, and ends when closed', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('Old')], 'no_stream');
        const { position: after } = await store.append(stream, [event('Seen'), event('Backlog1')], 0n);
        await store.append(stream, [event('Backlog2')], 2n);
        const seenPosition = (await store.readStream(stream))[1]!.position;
        expect(seenPosition).toBeLessThan(after);

        const subscription = store.subscribeToAll({ after: seenPosition });
        const iterator = subscription[Symbol.asyncIterator]();
        const ours = (recorded: RecordedEvent) => recorded.stream === stream;

        const backlog = await nextMatching(iterator, 2, ours);
        expect(backlog.map((recorded) => recorded.type)).toEqual(['Backlog1', 'Backlog2']);

        const waiting = nextMatching(iterator, 2, ours);
        await store.append(stream, [event('Live1'), event('Live2')], 3n);
        expect((await waiting).map((recorded) => [recorded.type, recorded.revision])).toEqual([
          ['Live1', 4n],
          ['Live2', 5n],
        ]);

        const pending = iterator.next();
        await subscription.close();
        await expect(withTimeout(pending, 2_000, 'iteration to end after close()')).resolves.toMatchObject({ done: true });
      });

      it('delivers from the start of the store without `after`', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('First'), event('Second')], 'no_stream');
        const subscription = store.subscribeToAll();
        try {
          const received = await nextMatching(subscription[Symbol.asyncIterator](), 2, (recorded) => recorded.stream === stream, 15_000);
          expect(received.map((recorded) => recorded.type)).toEqual(['First', 'Second']);
        } finally {
          await subscription.close();
        }
      });

      it('ends a for-await loop that waits for events when closed', async () => {
        const subscription = store.subscribeToAll({ after: await baseline() });
        const seen: RecordedEvent[] = [];
        const loop = (async () => {
          for await (const recorded of subscription) seen.push(recorded);
        })();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await subscription.close();
        await withTimeout(loop, 2_000, 'for-await loop to end after close()');
        expect(seen).toEqual([]);
      });

      it('sees events appended through another store instance', async () => {
        const other = await reopen();
        if (!other) return;
        const stream = uniqueStream();
        const subscription = store.subscribeToAll({ after: await baseline() });
        try {
          const iterator = subscription[Symbol.asyncIterator]();
          const waiting = nextMatching(iterator, 1, (recorded) => recorded.stream === stream);
          await other.append(stream, [event('FromElsewhere')], 'no_stream');
          expect((await waiting).map((recorded) => recorded.type)).toEqual(['FromElsewhere']);
        } finally {
          await subscription.close();
        }
      });
    });

    describe('durability', () => {
      it('keeps every event, revision and position after the store is closed and opened again', async () => {
        const after = await baseline();
        const stream = uniqueStream();
        await store.append(stream, [event('A', { n: 1 }), event('B', { n: 2 })], 'no_stream');
        const written = await store.readStream(stream);
        await store.close();

        const again = await reopen();
        if (!again) return;
        expect(await again.readStream(stream)).toEqual(written);
        expect((await again.readAll({ after })).filter((recorded) => recorded.stream === stream)).toEqual(written);
        await expect(again.append(stream, [event('C')], 1n)).resolves.toMatchObject({ nextExpectedRevision: 2n });
      });
    });
  });
}

function event(type: string, data: Record<string, unknown> = {}): NewEvent {
  return { id: randomUUID(), type, data, metadata: { correlationId: randomUUID() } };
}

/** Stream names as Hangar spells them (`<category>-<id>`), unique so that runs on a shared store never meet. */
export function uniqueStream(category = 'build'): string {
  return `${category}-${randomUUID().replace(/-/g, '')}`;
}
