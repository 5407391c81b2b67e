import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { busContract } from '../../testing/bus.contract';
import { eventually, sleep } from '../../testing/eventually';
import { EmbeddedBus, type EmbeddedBusOptions } from './embedded-bus';

function tempBusFile(): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bus-'));
  return { file: join(dir, 'bus.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

busContract('EmbeddedBus', async () => {
  const { file, remove } = tempBusFile();
  const buses = [new EmbeddedBus({ file })];
  return {
    bus: buses[0],
    reopen: async () => {
      const bus = new EmbeddedBus({ file });
      buses.push(bus);
      return bus;
    },
    cleanup: async () => {
      for (const bus of buses) await bus.close();
      remove();
    },
  };
});

describe('EmbeddedBus retention', () => {
  let now = 1_000_000;
  let file: string;
  let remove: () => void;
  const open = (options: Partial<EmbeddedBusOptions> = {}) =>
    new EmbeddedBus({ file, clock: () => now, duplicateWindowMs: 1_000, retentionMs: 10_000, maxAgeMs: 100_000, ...options });
  const storedCount = () => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeEach(() => ({ file, remove } = tempBusFile()));
  afterEach(() => remove());

  it('accepts an id again once the duplicate window has passed', async () => {
    const bus = open();
    await bus.publish('a', 1, { id: 'x' });
    await bus.publish('a', 2, { id: 'x' });
    now += 1_001;
    await bus.publish('a', 3, { id: 'x' });
    await bus.close();
    expect(storedCount()).toBe(2);
  });

  it('prunes old messages once every group acked them, and every message past the max age', async () => {
    let bus = open();
    const seen: number[] = [];
    await bus.subscribe<number>('a', { group: 'g' }, async (m) => void seen.push(m.data));
    await bus.publish('a', 1);
    await bus.publish('b', 2); // no group on `b`: only the max age removes it
    await eventually(() => expect(seen).toEqual([1]));
    await sleep(20); // the ack follows the handler's resolution
    await bus.close();

    now += 10_001; // past retention: `a` acked by its only group, `b` passed by every cursor
    bus = open();
    await bus.close();
    expect(storedCount()).toBe(0);
  });

  it('keeps old messages that a group has not acked until the max age', async () => {
    let bus = open();
    await bus.subscribe('a', { group: 'g' }, async () => {
      throw new Error('never succeeds');
    });
    await bus.publish('a', 1);
    await bus.close();

    now += 10_001;
    bus = open();
    await bus.close();
    expect(storedCount()).toBe(1);

    now += 100_000;
    bus = open();
    await bus.close();
    expect(storedCount()).toBe(0);
  });
});

describe('EmbeddedBus redelivery on a slow event loop', () => {
  it('redelivers a retry that fell due between looking for due work and arming the retry timer', async () => {
    const { file, remove } = tempBusFile();
    // Every reading of the clock is 30 ms later than the one before: a busy event loop, made deterministic. A 50 ms
    // retry is not due when the consumer looks for work and already due when it arms the timer for it.
    let now = 1_000_000;
    const bus = new EmbeddedBus({ file, clock: () => (now += 30) });
    try {
      const deliveries: number[] = [];
      await bus.subscribe('jobs.queued', { group: 'slow', retryDelaysMs: [50] }, async (m) => {
        deliveries.push(m.deliveryCount);
        if (m.deliveryCount === 1) throw new Error('transient failure');
      });
      await bus.publish('jobs.queued', 'job');
      await eventually(() => expect(deliveries).toEqual([1, 2]), 2_000);
    } finally {
      await bus.close();
      remove();
    }
  });
});
