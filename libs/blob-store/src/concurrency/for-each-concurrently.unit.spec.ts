import { forEachConcurrently } from './for-each-concurrently';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('forEachConcurrently', () => {
  it('given more items than lanes, when run, then every item is worked on once, at most that many at a time, started in order', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await forEachConcurrently([...Array(50).keys()], 4, async (item, index) => {
      expect(index).toBe(item);
      started.push(item);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(started).toEqual([...Array(50).keys()]);
    expect(most).toBe(4);
  });

  it('given a failing item, when run, then it rejects with that failure once the calls under way settle, and starts no more', async () => {
    const settled: number[] = [];
    const run = forEachConcurrently([...Array(20).keys()], 3, async (item) => {
      await tick();
      if (item === 4) throw new Error('item 4 failed');
      await tick();
      settled.push(item);
    });
    await expect(run).rejects.toThrow('item 4 failed');
    expect(Math.max(...settled)).toBeLessThan(8);
  });

  it('given a failing item, when run, then the items under way are told through their signal', async () => {
    const told: number[] = [];
    const run = forEachConcurrently([0, 1, 2], 3, async (item, _index, signal) => {
      if (item === 0) throw new Error('item 0 failed');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      told.push(item);
    });
    await expect(run).rejects.toThrow('item 0 failed');
    expect(told.sort()).toEqual([1, 2]);
  });

  it('given no items, when run, then it resolves', async () => {
    await expect(forEachConcurrently([], 4, async () => undefined)).resolves.toBeUndefined();
  });
});
