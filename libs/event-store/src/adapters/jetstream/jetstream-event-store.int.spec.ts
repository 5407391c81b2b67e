import { AppendBatchTooLarge } from '../../append/append.errors';
import { eventStoreContract, uniqueStream } from '../../testing/event-store.contract';
import { jetStreamStoreUnderTest } from '../../testing/jetstream-store-under-test';

eventStoreContract('JetStreamEventStore', jetStreamStoreUnderTest);

describe('JetStreamEventStore specifics', () => {
  let subject: Awaited<ReturnType<typeof jetStreamStoreUnderTest>>;
  beforeEach(async () => (subject = await jetStreamStoreUnderTest()));
  afterEach(() => subject.cleanup());

  it('creates its stream idempotently and names it from the prefix', async () => {
    const again = await subject.reopen();
    expect(again.names.stream).toBe(subject.store.names.stream);
    expect(again.names.subjectOf('build-1')).toBe(subject.store.names.subjectOf('build-1'));
    expect(subject.store.names.stream).toMatch(/^ES[A-Z0-9]+_EVENTS$/);
    expect(subject.store.names.subjects).toMatch(/^es[a-z0-9]+\.es\.>$/);
  });

  it('rejects a batch of more than 1000 events, writing none', async () => {
    const stream = uniqueStream();
    const events = Array.from({ length: 1001 }, () => ({ type: 'Many', data: {} }));
    await expect(subject.store.append(stream, events, 'no_stream')).rejects.toBeInstanceOf(AppendBatchTooLarge);
    expect(await subject.store.readStream(stream)).toEqual([]);
  });

  it('positions a 1000-event batch before the next message', async () => {
    const stream = uniqueStream();
    const events = Array.from({ length: 1000 }, (_, i) => ({ type: 'Many', data: { i } }));
    const big = await subject.store.append(stream, events, 'no_stream');
    const next = await subject.store.append(stream, [{ type: 'After', data: {} }], 999n);
    expect(next.position).toBeGreaterThan(big.position);
    const page = await subject.store.readAll({ after: big.position - 2n });
    expect(page.map((event) => event.type)).toEqual(['Many', 'Many', 'After']);
  });

  it('treats a retried publish of the same batch (same first event id) as the original append', async () => {
    const stream = uniqueStream();
    const batch = [{ id: crypto.randomUUID(), type: 'Once', data: {} }];
    const first = await subject.store.append(stream, batch, 'any');
    const retried = await subject.store.append(stream, batch, 'any');
    expect(retried).toEqual(first);
    expect(await subject.store.readStream(stream)).toHaveLength(1);
  });
});
