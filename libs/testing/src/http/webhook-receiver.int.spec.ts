import { startWebhookReceiver, WebhookWaitTimedOut, type WebhookReceiver } from './webhook-receiver';

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hangar-Signature': 'sig' }, body: JSON.stringify(body) });
}

describe('startWebhookReceiver', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(() => receiver.close());

  it('records each POST with its path, headers, parsed body and time', async () => {
    const before = Date.now();
    const response = await post(receiver.url('/hooks/builds'), { type: 'build.live', uploadId: 'u1' });
    expect(response.status).toBe(200);
    const [delivery] = await receiver.waitFor(1);
    expect(delivery).toMatchObject({ method: 'POST', path: '/hooks/builds', body: { type: 'build.live', uploadId: 'u1' }, status: 200 });
    expect(delivery.headers['x-hangar-signature']).toBe('sig');
    expect(delivery.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(receiver.received).toHaveLength(1);
  });

  it('waits for deliveries that arrive later, by count or by predicate', async () => {
    const byCount = receiver.waitFor(2);
    const byPredicate = receiver.waitFor((d) => (d.body as { type?: string }).type === 'build.rejected');
    await post(receiver.url(), { type: 'build.live' });
    await post(receiver.url(), { type: 'build.rejected' });
    expect((await byCount).map((d) => (d.body as { type: string }).type)).toEqual(['build.live', 'build.rejected']);
    expect(await byPredicate).toHaveLength(1);
  });

  it('rejects after the timeout, saying what it received', async () => {
    await post(receiver.url('/x'), { type: 'build.live' });
    const error = await receiver.waitFor(3, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookWaitTimedOut);
    expect((error as Error).message).toMatch(/waiting for 3 deliveries; received 1:\n.*POST \/x -> 200 \{"type":"build.live"\}/);
  });

  it('answers a chosen status for the next N requests, to exercise retries', async () => {
    receiver.respondWith(500, { times: 2 });
    receiver.respondWith(410);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(receiver.url(), { attempt: i })).status);
    expect(statuses).toEqual([500, 500, 410, 200]);
    expect(receiver.received.map((d) => d.status)).toEqual([500, 500, 410, 200]);
  });

  it('can answer late, to exceed a sender timeout', async () => {
    receiver.respondWith(200, { delayMs: 300 });
    const started = Date.now();
    await post(receiver.url(), {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('keeps a body that is not JSON raw, and refuses other methods without recording them', async () => {
    await fetch(receiver.url(), { method: 'POST', body: 'not json' });
    expect((await fetch(receiver.url())).status).toBe(405);
    const [delivery] = await receiver.waitFor(1);
    expect(delivery.body).toBeUndefined();
    expect(delivery.rawBody.toString()).toBe('not json');
    expect(receiver.received).toHaveLength(1);
    receiver.clear();
    expect(receiver.received).toHaveLength(0);
  });

  it('rejects a pending wait when closed', async () => {
    const waiting = receiver.waitFor(1, 10_000);
    await receiver.close();
    await expect(waiting).rejects.toThrow('closed');
    receiver = await startWebhookReceiver(); // for afterEach
  });
});
