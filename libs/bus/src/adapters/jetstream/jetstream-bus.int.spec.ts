import { connect, type NatsConnection } from 'nats';
import { testNatsUrl, uniquePrefix } from '@hangar/testing';
import { busContract } from '../../testing/bus.contract';
import { eventually, sleep } from '../../testing/eventually';
import { JetStreamBus, type JetStreamBusOptions } from './jetstream-bus';

/** Short ack_wait: a "crashed" handler's message comes back in about a second instead of 30. */
const ACK_WAIT_MS = 1_000;

describe('JetStreamBus on a real NATS server', () => {
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: testNatsUrl() });
  });

  afterAll(async () => {
    await nc.close();
  });

  busContract('JetStreamBus', async () => {
    const options: JetStreamBusOptions = { prefix: uniquePrefix('bus'), ackWaitMs: ACK_WAIT_MS };
    const bus = await JetStreamBus.create(nc, options);
    const buses: JetStreamBus[] = [bus];
    const connections: NatsConnection[] = [];
    return {
      bus,
      // A restarted process: its own connection, bound to the same stream and durable consumers.
      reopen: async () => {
        const connection = await connect({ servers: testNatsUrl() });
        connections.push(connection);
        const restarted = await JetStreamBus.create(connection, options);
        buses.push(restarted);
        return restarted;
      },
      cleanup: async () => {
        for (const each of buses) await each.close();
        for (const connection of connections) await connection.close();
        const jsm = await nc.jetstreamManager();
        await jsm.streams.delete(bus.streamName);
      },
    };
  });

  it('keeps a message whose handler runs longer than ack_wait (working), then acks it once', async () => {
    const ackWaitMs = 500;
    const bus = await JetStreamBus.create(nc, { prefix: uniquePrefix('bus'), ackWaitMs });
    try {
      const deliveries: number[] = [];
      let finished = 0;
      await bus.subscribe('downloads.started', { group: 'downloader' }, async (m) => {
        deliveries.push(m.deliveryCount);
        await sleep(ackWaitMs * 2.5);
        finished++;
      });
      await bus.publish('downloads.started', { size: 'many GB' });
      await eventually(() => expect(finished).toBe(1), 10_000);
      await sleep(ackWaitMs * 1.5);
      expect(deliveries).toEqual([1]);
    } finally {
      await bus.close();
      await (await nc.jetstreamManager()).streams.delete(bus.streamName);
    }
  });

  it('creates its stream idempotently and re-binds to the same durable consumer', async () => {
    const options: JetStreamBusOptions = { prefix: uniquePrefix('bus'), maxAgeMs: 60_000, duplicateWindowMs: 5_000 };
    const first = await JetStreamBus.create(nc, options);
    const second = await JetStreamBus.create(nc, { ...options, maxAgeMs: 120_000 });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(first.streamName);
      expect(info.config.subjects).toEqual([`${options.prefix}.bus.>`]);
      expect(info.config.max_age).toBe(120_000 * 1_000_000);
      expect(info.config.duplicate_window).toBe(5_000 * 1_000_000);

      const subscriptions = [
        await first.subscribe('a.*', { group: 'svc' }, async () => undefined),
        await second.subscribe('a.*', { group: 'svc', concurrency: 4 }, async () => undefined),
      ];
      const consumers = await jsm.consumers.list(first.streamName).next();
      expect(consumers).toHaveLength(1);
      expect(consumers[0].config).toMatchObject({ filter_subject: `${options.prefix}.bus.a.*`, max_ack_pending: 4, max_deliver: -1 });
      for (const subscription of subscriptions) await subscription.close();
    } finally {
      await first.close();
      await second.close();
      await (await nc.jetstreamManager()).streams.delete(first.streamName);
    }
  });
});
