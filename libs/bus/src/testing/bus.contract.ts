import { BusClosed, NoResponder, RequestTimedOut } from '../port/bus.errors';
import { RemoteError, type BusMessage, type MessageBus } from '../port/message-bus.port';
import { eventually, gate, sleep } from './eventually';

export interface BusUnderTest {
  bus: MessageBus;
  /** A new bus on the same storage, as a restarted process would get (the test closes the old one first). */
  reopen?: () => Promise<MessageBus>;
  /** Closes what the factory opened and deletes its storage. */
  cleanup(): Promise<void>;
}

export type BusContractFactory = () => Promise<BusUnderTest>;

/** Long enough for a wrong delivery to show up, short enough to keep the suite fast. */
const QUIET_MS = 300;

class NopeError extends Error {
  readonly code = 'NOPE';
  constructor(message: string) {
    super(message);
    this.name = 'NopeError';
  }
}

/**
 * What every MessageBus adapter must do. Each test gets its own bus (and storage) from the factory. Adapters whose
 * crash redelivery waits for a timeout (JetStream's ack_wait) should make it short in their factory.
 */
export function busContract(name: string, factory: BusContractFactory): void {
  describe(`${name} (MessageBus contract)`, () => {
    let underTest: BusUnderTest;
    let bus: MessageBus;
    const opened: MessageBus[] = [];
    const released: (() => void)[] = [];

    beforeEach(async () => {
      underTest = await factory();
      bus = underTest.bus;
      opened.push(bus);
    });

    afterEach(async () => {
      for (const release of released.splice(0)) release();
      for (const each of opened.splice(0)) await each.close();
      await underTest.cleanup();
    });

    function received<T>() {
      const messages: BusMessage<T>[] = [];
      return { messages, data: () => messages.map((m) => m.data) };
    }

    describe('durable publish/subscribe', () => {
      it('delivers a message published before anyone subscribed, with its id and headers', async () => {
        await bus.publish('orders.created', { n: 1 }, { id: 'order-1', headers: { traceparent: 'trace-1' } });
        const got = received<{ n: number }>();
        await bus.subscribe<{ n: number }>('orders.created', { group: 'billing' }, async (m) => void got.messages.push(m));

        await eventually(() => expect(got.messages).toHaveLength(1));
        expect(got.messages[0]).toEqual({
          subject: 'orders.created',
          id: 'order-1',
          data: { n: 1 },
          headers: { traceparent: 'trace-1' },
          deliveryCount: 1,
        });
      });

      it('delivers messages published after subscribing, without polling delay', async () => {
        const got = received<number>();
        await bus.subscribe<number>('orders.created', { group: 'billing' }, async (m) => void got.messages.push(m));
        const start = Date.now();
        await bus.publish('orders.created', 1);
        await eventually(() => expect(got.data()).toEqual([1]), 2_000, 2);
        expect(Date.now() - start).toBeLessThan(500);
      });

      it('gives every group every message', async () => {
        for (const n of [1, 2, 3]) await bus.publish('orders.created', n);
        const billing = received<number>();
        const shipping = received<number>();
        await bus.subscribe<number>('orders.created', { group: 'billing' }, async (m) => void billing.messages.push(m));
        await bus.subscribe<number>('orders.created', { group: 'shipping' }, async (m) => void shipping.messages.push(m));

        await eventually(() => {
          expect(billing.data()).toEqual([1, 2, 3]);
          expect(shipping.data()).toEqual([1, 2, 3]);
        });
      });

      it('shares a group between its subscribers: each message is handled once', async () => {
        const handled: number[] = [];
        const handler = async (m: BusMessage<number>) => {
          await sleep(5);
          handled.push(m.data);
        };
        await bus.subscribe<number>('jobs.queued', { group: 'workers' }, handler);
        await bus.subscribe<number>('jobs.queued', { group: 'workers' }, handler);
        const published = Array.from({ length: 10 }, (_, i) => i);
        for (const n of published) await bus.publish('jobs.queued', n);

        await eventually(() => expect(handled).toHaveLength(10));
        await sleep(QUIET_MS);
        expect([...handled].sort((a, b) => a - b)).toEqual(published);
      });

      it('redelivers a message whose handler failed, after the retry delay, counting deliveries', async () => {
        const deliveries: number[] = [];
        await bus.subscribe('jobs.queued', { group: 'workers', retryDelaysMs: [50] }, async (m) => {
          deliveries.push(m.deliveryCount);
          if (m.deliveryCount === 1) throw new Error('transient failure');
        });
        await bus.publish('jobs.queued', 'job');

        await eventually(() => expect(deliveries).toEqual([1, 2]));
        await sleep(QUIET_MS);
        expect(deliveries).toEqual([1, 2]);
      });

      it('drops a second publish with the same id', async () => {
        await bus.publish('orders.created', 'first', { id: 'same' });
        await bus.publish('orders.created', 'again', { id: 'same' });
        await bus.publish('orders.created', 'sentinel', { id: 'other' });
        const got = received<string>();
        await bus.subscribe<string>('orders.created', { group: 'billing' }, async (m) => void got.messages.push(m));

        await eventually(() => expect(got.data()).toContain('sentinel'));
        expect(got.data()).toEqual(['first', 'sentinel']);
      });

      it('matches NATS wildcards: * one token, > the rest', async () => {
        const oneToken = received<string>();
        const rest = received<string>();
        await bus.subscribe<string>('w.*', { group: 'one' }, async (m) => void oneToken.messages.push(m));
        await bus.subscribe<string>('w.>', { group: 'rest' }, async (m) => void rest.messages.push(m));
        for (const subject of ['w', 'w.a', 'w.a.b', 'x.a', 'w.c']) await bus.publish(subject, subject);

        await eventually(() => {
          expect(rest.data()).toEqual(['w.a', 'w.a.b', 'w.c']);
          expect(oneToken.data()).toEqual(['w.a', 'w.c']);
        });
        expect(rest.messages.map((m) => m.subject)).toEqual(['w.a', 'w.a.b', 'w.c']);
      });

      it('keeps publish order with concurrency 1', async () => {
        const published = Array.from({ length: 20 }, (_, i) => i);
        for (const n of published.slice(0, 10)) await bus.publish('feed.item', n);
        const handled: number[] = [];
        await bus.subscribe<number>('feed.item', { group: 'reader', concurrency: 1 }, async (m) => {
          await sleep(m.data % 3);
          handled.push(m.data);
        });
        for (const n of published.slice(10)) await bus.publish('feed.item', n);

        await eventually(() => expect(handled).toEqual(published));
      });

      it('runs up to `concurrency` handlers at once', async () => {
        const release = gate();
        released.push(release.open);
        let running = 0;
        let most = 0;
        await bus.subscribe('jobs.queued', { group: 'workers', concurrency: 3 }, async () => {
          most = Math.max(most, ++running);
          await release.promise;
          running--;
        });
        for (const n of [1, 2, 3, 4, 5]) await bus.publish('jobs.queued', n);

        await eventually(() => expect(running).toBe(3));
        await sleep(QUIET_MS / 3);
        expect(most).toBe(3);
        release.open();
      });

      it('starts a new group at the next message when asked (startAt: new), and keeps its place after that', async () => {
        await bus.publish('orders.created', 'old');
        const got = received<string>();
        const first = await bus.subscribe<string>('orders.created', { group: 'auditors', startAt: 'new' }, async (m) => void got.messages.push(m));
        await bus.publish('orders.created', 'new');
        await eventually(() => expect(got.data()).toEqual(['new']));
        await first.close();

        await bus.publish('orders.created', 'while away');
        await bus.subscribe<string>('orders.created', { group: 'auditors', startAt: 'new' }, async (m) => void got.messages.push(m));
        await eventually(() => expect(got.data()).toEqual(['new', 'while away']));
        await sleep(QUIET_MS);
        expect(got.data()).toEqual(['new', 'while away']);
      });

      it('stops delivering to a closed subscription', async () => {
        const got = received<number>();
        const subscription = await bus.subscribe<number>('orders.created', { group: 'billing' }, async (m) => void got.messages.push(m));
        await bus.publish('orders.created', 1);
        await eventually(() => expect(got.data()).toEqual([1]));

        await subscription.close();
        await bus.publish('orders.created', 2);
        await sleep(QUIET_MS);
        expect(got.data()).toEqual([1]);
      });

      it('refuses to publish once closed', async () => {
        await bus.close();
        await expect(bus.publish('orders.created', 1)).rejects.toBeInstanceOf(BusClosed);
      });
    });

    describe('across a restart', () => {
      it('redelivers what was not acked when the process went away, and nothing that was', async () => {
        if (!underTest.reopen) return;
        const hang = gate();
        released.push(hang.open);
        const before: BusMessage<string>[] = [];
        await bus.subscribe<string>('jobs.queued', { group: 'workers' }, async (m) => {
          before.push(m);
          if (m.data === 'hangs') await hang.promise;
        });
        await bus.publish('jobs.queued', 'done', { id: 'done' });
        await bus.publish('jobs.queued', 'hangs', { id: 'hangs' });
        // With concurrency 1, the second delivery starts only once the first is acked.
        await eventually(() => expect(before.map((m) => m.data)).toEqual(['done', 'hangs']));

        await bus.close();
        const restarted = await underTest.reopen();
        opened.push(restarted);
        const after: BusMessage<string>[] = [];
        await restarted.subscribe<string>('jobs.queued', { group: 'workers' }, async (m) => void after.push(m));
        await restarted.publish('jobs.queued', 'later', { id: 'later' });

        await eventually(() => expect(after.map((m) => m.data)).toEqual(['hangs', 'later']), 15_000);
        expect(after[0].deliveryCount).toBe(2);
        await sleep(QUIET_MS);
        expect(after.map((m) => m.data)).toEqual(['hangs', 'later']);
        expect(before.map((m) => m.data)).toEqual(['done', 'hangs']);
      });
    });

    describe('request/reply', () => {
      it('answers a request from a responder', async () => {
        await bus.respond<number, number>('math.double', async (n) => n * 2);
        await expect(bus.request<number, number>('math.double', 21)).resolves.toBe(42);
      });

      it('sends each request to one of several responders', async () => {
        const answeredBy: string[] = [];
        await bus.respond('who', async () => void answeredBy.push('a'));
        await bus.respond('who', async () => void answeredBy.push('b'));
        for (let i = 0; i < 6; i++) await bus.request('who', i);
        expect(answeredBy).toHaveLength(6);
      });

      it("rejects with a RemoteError carrying the responder's error code and name", async () => {
        await bus.respond('math.fail', async () => {
          throw new NopeError('no can do');
        });
        const failure = await bus.request('math.fail', 1).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(RemoteError);
        expect(failure).toMatchObject({ message: 'no can do', code: 'NOPE', errorName: 'NopeError' });
      });

      it('rejects quickly when nobody responds', async () => {
        const start = Date.now();
        await expect(bus.request('nobody.home', 1, { timeoutMs: 10_000 })).rejects.toBeInstanceOf(NoResponder);
        expect(Date.now() - start).toBeLessThan(2_000);
      });

      it('rejects when the responder does not answer in time', async () => {
        const hang = gate();
        released.push(hang.open);
        await bus.respond('slow', () => hang.promise);
        await expect(bus.request('slow', 1, { timeoutMs: 200 })).rejects.toBeInstanceOf(RequestTimedOut);
      });
    });

    describe('broadcast', () => {
      it('reaches every current listener, wildcards included, and none that closed', async () => {
        const heard: string[] = [];
        await bus.listen<string>('beat.*', (data, subject) => void heard.push(`wildcard:${subject}:${data}`));
        await bus.listen<string>('beat.a', (data) => void heard.push(`exact:${data}`));
        const closed = await bus.listen<string>('beat.a', (data) => void heard.push(`closed:${data}`));
        await closed.close();

        await bus.broadcast('beat.a', 'hi');
        await eventually(() => expect(heard.sort()).toEqual(['exact:hi', 'wildcard:beat.a:hi']));
        await sleep(QUIET_MS / 3);
        expect(heard).toHaveLength(2);
      });
    });
  });
}
