import { createServer, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback-server';

export interface WebhookDelivery {
  method: string;
  /** Path and query, as requested. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON; undefined when it is not JSON. */
  body: unknown;
  receivedAt: Date;
  /** The status the receiver answered. */
  status: number;
}

export interface WebhookResponse {
  status: number;
  body?: string;
  /** Answer this late: lets a test exceed the sender's timeout. */
  delayMs?: number;
}

export interface WebhookReceiver {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  url(path?: string): string;
  /** Every POST so far, in arrival order. */
  readonly received: readonly WebhookDelivery[];
  /**
   * Resolves with the first `count` deliveries once that many have arrived, or with every delivery matching
   * `predicate` once at least one has; rejects after `timeoutMs` with a list of what did arrive.
   */
  waitFor(match: number | ((delivery: WebhookDelivery) => boolean), timeoutMs?: number): Promise<WebhookDelivery[]>;
  /** Answer the next `times` POSTs (default 1) this way, then 200 again: to test a sender's retries. */
  respondWith(status: number, options?: { times?: number; body?: string; delayMs?: number }): void;
  /** Forget what was received (pending `respondWith` answers stay). */
  clear(): void;
  close(): Promise<void>;
}

export class WebhookWaitTimedOut extends Error {
  readonly code = 'WEBHOOK_WAIT_TIMED_OUT';
  constructor(
    readonly expected: string,
    readonly received: readonly WebhookDelivery[],
    timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${expected}; received ${describeAll(received)}`);
    this.name = 'WebhookWaitTimedOut';
  }
}

interface Waiter {
  check(): boolean;
  fail(error: Error): void;
}

const DEFAULT_ANSWER: WebhookResponse = { status: 200, body: '' };

/** A local webhook endpoint (127.0.0.1, a free port) that records every POST and answers as the test says. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookDelivery[] = [];
  const answers: WebhookResponse[] = [];
  const waiters = new Set<Waiter>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = answers.shift() ?? DEFAULT_ANSWER;
      const rawBody = Buffer.concat(chunks);
      received.push({
        method: request.method ?? 'POST',
        path: request.url ?? '/',
        headers: request.headers,
        rawBody,
        body: parseJson(rawBody),
        receivedAt: new Date(),
        status: answer.status,
      });
      for (const waiter of waiters) waiter.check();
      const send = () => response.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(answer.body ?? '');
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });

  const { port, origin } = await listenOnLoopback(server);

  return {
    port,
    origin,
    url: (path = '/webhook') => origin + (path.startsWith('/') ? path : `/${path}`),
    received,
    waitFor(match, timeoutMs = 5000) {
      const expected = typeof match === 'number' ? `${match} deliveries` : 'a delivery matching the predicate';
      const matching = (): WebhookDelivery[] | null => {
        if (typeof match === 'number') return received.length >= match ? received.slice(0, match) : null;
        const found = received.filter(match);
        return found.length > 0 ? found : null;
      };
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          check() {
            const found = matching();
            if (!found) return false;
            settle();
            resolve(found);
            return true;
          },
          fail(error) {
            settle();
            reject(error);
          },
        };
        const timer = setTimeout(() => waiter.fail(new WebhookWaitTimedOut(expected, [...received], timeoutMs)), timeoutMs);
        const settle = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        if (!waiter.check()) waiters.add(waiter);
      });
    },
    respondWith(status, options = {}) {
      for (let i = 0; i < (options.times ?? 1); i++) answers.push({ status, body: options.body, delayMs: options.delayMs });
    },
    clear() {
      received.length = 0;
    },
    async close() {
      for (const waiter of [...waiters]) waiter.fail(new Error('webhook receiver closed while waiting'));
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeServer(server);
    },
  };
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function describeAll(received: readonly WebhookDelivery[]): string {
  if (received.length === 0) return 'nothing';
  const lines = received.map((d) => {
    const body = d.rawBody.toString('utf8');
    return `  ${d.receivedAt.toISOString()} ${d.method} ${d.path} -> ${d.status} ${body.length > 300 ? body.slice(0, 300) + '…' : body}`;
  });
  return `${received.length}:\n${lines.join('\n')}`;
}
