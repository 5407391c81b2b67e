import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KurrentDbEventStore } from '../adapters/kurrentdb/kurrentdb-event-store';
import { SqliteEventStore } from '../adapters/sqlite/sqlite-event-store';
import type { EventStore } from '../port/event-store.port';
import { eventStoreContract, uniqueStream, type EventStoreUnderTest } from '../testing/event-store.contract';
import { jetStreamStoreUnderTest } from '../testing/jetstream-store-under-test';
import { verifyHashChains } from './hash-chain-verifier';
import { HashChainedEventStore } from './hash-chained-event-store';

/** Two independent store instances over one SQLite file, as two processes would have. */
async function sqliteUnderTest(): Promise<EventStoreUnderTest & { raw: EventStore; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-chain-'));
  const file = join(dir, 'events.sqlite');
  const raw = new SqliteEventStore(file);
  const store = new HashChainedEventStore(raw);
  return {
    store,
    raw,
    file,
    reopen: async () => new HashChainedEventStore(new SqliteEventStore(file)),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function jetStreamUnderTest(): Promise<EventStoreUnderTest & { raw: EventStore }> {
  const subject = await jetStreamStoreUnderTest('chain');
  return {
    store: new HashChainedEventStore(subject.store),
    raw: subject.store,
    reopen: async () => new HashChainedEventStore(await subject.reopen()),
    cleanup: subject.cleanup,
  };
}

eventStoreContract('HashChainedEventStore over SQLite', sqliteUnderTest);
eventStoreContract('HashChainedEventStore over JetStream', jetStreamUnderTest);
const kurrentDbUrl = process.env.KURRENTDB_URL;
if (kurrentDbUrl) {
  eventStoreContract('HashChainedEventStore over KurrentDB', async () => {
    const store = new HashChainedEventStore(KurrentDbEventStore.connect(kurrentDbUrl));
    return { store, reopen: async () => new HashChainedEventStore(KurrentDbEventStore.connect(kurrentDbUrl)), cleanup: () => store.close() };
  });
} else {
  process.stderr.write('HashChainedEventStore over KurrentDB SKIPPED: KURRENTDB_URL is not set (no KurrentDB server runs here)\n');
}

/** Verifies only the given streams: the stores under test may be shared with other runs (KurrentDB). */
function verifyStreams(store: EventStore, streams: string[]) {
  return verifyHashChains(async (after) => (after === undefined ? (await store.readAll()).filter((event) => streams.includes(event.stream)) : []));
}

describe.each([
  ['SQLite', sqliteUnderTest],
  ['JetStream', jetStreamUnderTest],
])('hash chains over %s', (_name, factory) => {
  let subject: Awaited<ReturnType<typeof factory>>;
  const others: EventStore[] = [];
  beforeEach(async () => (subject = await factory()));
  afterEach(async () => {
    await Promise.all(others.splice(0).map((other) => other.close()));
    await subject.cleanup();
  });

  it('links every event to the previous one of its stream, across appends and within a batch', async () => {
    const stream = uniqueStream();
    await subject.store.append(stream, [{ type: 'A', data: { n: 1 }, metadata: { actor: 'admin' } }], 'no_stream');
    await subject.store.append(stream, [{ type: 'B', data: {} }, { type: 'C', data: { at: undefined, list: [1, 'x'] } }], 0n);
    const events = await subject.store.readStream(stream);
    expect(events.map((event) => event.metadata.previousHash)).toEqual([null, events[0]!.metadata.hash, events[1]!.metadata.hash]);
    expect(events.every((event) => /^[0-9a-f]{64}$/.test(String(event.metadata.hash)))).toBe(true);
    expect(events[0]!.metadata.actor).toBe('admin');
    expect(await verifyStreams(subject.store, [stream])).toMatchObject({ ok: true, events: 3, streams: 1, unhashedEvents: 0 });
  });

  it('never forks a chain when writers in two processes append with `any` at once', async () => {
    const stream = uniqueStream();
    const second = (await subject.reopen!()) as EventStore;
    others.push(second);
    await subject.store.append(stream, [{ type: 'Created', data: {} }], 'no_stream');
    // The second instance remembers no head; the first remembers one that goes stale as the second appends.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? subject.store : second).append(stream, [{ type: 'Racer', data: { i } }], 'any')),
    );
    const events = await subject.store.readStream(stream);
    expect(events).toHaveLength(21);
    expect(await verifyStreams(subject.store, [stream])).toMatchObject({ ok: true, events: 21 });
  });

  it('still refuses an append whose expected revision the stream has passed', async () => {
    const stream = uniqueStream();
    await subject.store.append(stream, [{ type: 'A', data: {} }], 'no_stream');
    await subject.store.append(stream, [{ type: 'B', data: {} }], 0n);
    await expect(subject.store.append(stream, [{ type: 'Late', data: {} }], 0n)).rejects.toMatchObject({ name: 'WrongExpectedVersion' });
    await expect(subject.store.append(stream, [{ type: 'Late', data: {} }], 'no_stream')).rejects.toMatchObject({ name: 'WrongExpectedVersion' });
  });

  it('seals events stored before hashing with the first hashed event of their stream, and names streams left unsealed', async () => {
    const sealed = uniqueStream();
    const unsealed = uniqueStream();
    await subject.raw.append(sealed, [{ type: 'Old1', data: { a: 1 } }, { type: 'Old2', data: {} }], 'no_stream');
    await subject.raw.append(unsealed, [{ type: 'Old', data: {} }], 'no_stream');
    await subject.store.append(sealed, [{ type: 'New', data: {} }], 1n);
    const verification = await verifyStreams(subject.store, [sealed, unsealed]);
    expect(verification).toMatchObject({ ok: true, events: 4, unhashedEvents: 3, unsealedStreams: [unsealed], unsealedStreamCount: 1 });
    expect((await subject.store.readStream(sealed))[2]!.metadata.previousHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('hash chains: tampering with a stored SQLite row', () => {
  let subject: Awaited<ReturnType<typeof sqliteUnderTest>>;
  let stream: string;
  beforeEach(async () => {
    subject = await sqliteUnderTest();
    stream = uniqueStream();
    await subject.store.append(stream, [0, 1, 2, 3].map((n) => ({ type: 'Step', data: { n } })), 'no_stream');
    await subject.store.append(uniqueStream(), [{ type: 'Elsewhere', data: {} }], 'no_stream');
  });
  afterEach(() => subject.cleanup());

  function tamper(sql: string, ...params: unknown[]) {
    const db = new Database(subject.file);
    db.prepare(sql).run(...params);
    db.close();
  }

  const verifyAll = () => verifyHashChains(async (after) => subject.store.readAll({ after, limit: 2 }));

  it('names the edited event, with the hash its contents give and the stored one', async () => {
    const before = await subject.store.readStream(stream);
    tamper("UPDATE events SET data = '{\"n\":20}' WHERE stream = ? AND revision = 2", stream);
    const verification = await verifyAll();
    expect(verification.ok).toBe(false);
    expect(verification.brokenLink).toEqual({
      stream,
      revision: '2',
      position: before[2]!.position.toString(),
      eventId: before[2]!.id,
      problem: 'hash',
      expected: expect.stringMatching(/^[0-9a-f]{64}$/),
      found: before[2]!.metadata.hash,
    });
    expect(verification.brokenLink!.expected).not.toBe(before[2]!.metadata.hash);
  });

  it('names the gap a deleted event leaves', async () => {
    tamper('DELETE FROM events WHERE stream = ? AND revision = 1', stream);
    expect((await verifyAll()).brokenLink).toMatchObject({ stream, revision: '2', problem: 'revision', expected: '1', found: '2' });
  });

  it('names an event whose hash was stripped after its chain began', async () => {
    tamper("UPDATE events SET metadata = '{}' WHERE stream = ? AND revision = 3", stream);
    expect((await verifyAll()).brokenLink).toMatchObject({ stream, revision: '3', problem: 'missingHash', found: null });
  });

  it('names the event after one whose contents and hash were both rewritten', async () => {
    const [first] = await subject.store.readStream(stream);
    const forged = { ...first!.metadata, hash: 'f'.repeat(64) };
    tamper('UPDATE events SET metadata = ? WHERE stream = ? AND revision = 0', JSON.stringify(forged), stream);
    // The forged event fails its own hash first.
    expect((await verifyAll()).brokenLink).toMatchObject({ revision: '0', problem: 'hash', found: 'f'.repeat(64) });
  });
});
