import { connect, type NatsConnection } from 'nats';
import { testNatsUrl, uniquePrefix } from '@hangar/testing';
import { NatsKvLeases } from './nats-kv-leases';

const TTL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NatsKvLeases (real NATS)', () => {
  const prefix = uniquePrefix('lease');
  let first: NatsConnection;
  let second: NatsConnection;
  let bucket: string;

  beforeAll(async () => {
    first = await connect({ servers: testNatsUrl() });
    second = await connect({ servers: testNatsUrl() });
  });
  afterAll(async () => {
    if (bucket) await (await first.jetstreamManager()).streams.delete(`KV_${bucket}`);
    await first.close();
    await second.close();
  });

  async function twoCopies(name: string) {
    const a = await NatsKvLeases.init(first, { prefix, ttlMs: TTL_MS });
    const b = await NatsKvLeases.init(second, { prefix, ttlMs: TTL_MS });
    bucket = a.bucket;
    return [a.lease(name, 'copy-a'), b.lease(name, 'copy-b')] as const;
  }

  it('has one holder at a time; renewing keeps it, releasing hands it over', async () => {
    const [a, b] = await twoCopies('release');
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.tryAcquire()).toBe(true);
    expect([a.isHeld(), b.isHeld()]).toEqual([true, false]);
    await a.release();
    expect(a.isHeld()).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.tryAcquire()).toBe(false);
    await b.release();
  });

  it('brings an existing bucket to the configured time to live (a holder must not trust a longer one)', async () => {
    await twoCopies('ttl');
    const longer = await NatsKvLeases.init(first, { prefix, ttlMs: 3 * TTL_MS });
    expect((await (await first.jetstream().views.kv(longer.bucket)).status()).ttl).toBe(3 * TTL_MS);
    await NatsKvLeases.init(first, { prefix, ttlMs: TTL_MS });
    expect((await (await first.jetstream().views.kv(longer.bucket)).status()).ttl).toBe(TTL_MS);
  });

  it('passes to another copy once a silent holder\'s lease expires, and the old holder cannot renew over it', async () => {
    const [a, b] = await twoCopies('expiry');
    expect(await a.tryAcquire()).toBe(true);
    // a stops renewing (killed, or frozen): within the time to live nobody else gets the lease...
    expect(await b.tryAcquire()).toBe(false);
    await sleep(TTL_MS);
    // ...a no longer acts on it, even before it learns that it lost it...
    expect(a.isHeld()).toBe(false);
    // ...and once the server expired it, b takes it.
    let taken = false;
    for (const deadline = Date.now() + 10_000; !taken && Date.now() < deadline; await sleep(50)) taken = await b.tryAcquire();
    expect(taken).toBe(true);
    expect(await a.tryAcquire()).toBe(false);
    expect([a.isHeld(), b.isHeld()]).toEqual([false, true]);
    await b.release();
  });
});
