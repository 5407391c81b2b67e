import { SmallFilesInFlight } from './small-files-in-flight';

/** A store that settles when told to. */
function pending() {
  let settle!: (fail?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (fail) => (fail ? reject(fail) : resolve())));
  return { store: () => done, settle };
}

describe('SmallFilesInFlight', () => {
  it('given as many files under way as allowed, when one more starts, then it waits until one settles', async () => {
    const limit = new SmallFilesInFlight(2, 1000);
    const [a, b, c] = [pending(), pending(), pending()];
    await limit.start(10, a.store);
    await limit.start(10, b.store);
    let third = false;
    const started = limit.start(10, c.store).then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    a.settle();
    await started;
    expect(third).toBe(true);
    b.settle();
    c.settle();
    await limit.settled();
  });

  it('given files holding the bytes allowed, when a larger one starts, then it waits; alone, any size goes through', async () => {
    const limit = new SmallFilesInFlight(10, 100);
    const a = pending();
    await limit.start(80, a.store);
    let big = false;
    const started = limit.start(50, pending().store).then(() => (big = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(big).toBe(false);
    a.settle();
    await started;
    expect(big).toBe(true);
    // Nothing else under way once it settles: a file over the whole budget still starts.
    const alone = new SmallFilesInFlight(10, 100);
    await expect(alone.start(500, async () => 'stored')).resolves.toEqual({ outcome: expect.any(Promise) });
  });

  it('given a store that failed, when the next starts, then that failure is thrown; settled waits for every store', async () => {
    const limit = new SmallFilesInFlight(4, 1000);
    const a = pending();
    const b = pending();
    const { outcome } = await limit.start(1, a.store);
    await limit.start(1, b.store);
    a.settle(new Error('the disk is full'));
    await expect(outcome).rejects.toThrow('the disk is full');
    await expect(limit.start(1, async () => undefined)).rejects.toThrow('the disk is full');
    let waited = false;
    const all = limit.settled().then(() => (waited = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(waited).toBe(false);
    b.settle();
    await all;
    expect(waited).toBe(true);
  });
});
