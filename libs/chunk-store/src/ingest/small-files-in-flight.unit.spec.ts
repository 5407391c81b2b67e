import { SmallFilesInFlight } from './small-files-in-flight';

const KiB = 1024;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A store that settles when told to, and keeps what it was handed. */
function pending() {
  let settle!: (fail?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (fail) => (fail ? reject(fail) : resolve())));
  const seen: { bytes: Buffer | null } = { bytes: null };
  return {
    store: (bytes: Buffer) => {
      seen.bytes = bytes;
      return done;
    },
    settle,
    seen,
  };
}

describe('SmallFilesInFlight', () => {
  it('given a file in pieces, when started, then its store gets one copy of them, kept as it was while other files come and go', async () => {
    const files = new SmallFilesInFlight(8, 64 * KiB);
    const a = pending();
    const pieces = [Buffer.from('hello, '), Buffer.from('world')];
    await files.start(pieces, 12, a.store);
    pieces[0].fill(0);
    // Five more (as much as the ring holds beside it), each filling its copy while it is stored.
    for (let i = 0; i < 5; i++) {
      const { outcome } = await files.start([Buffer.alloc(5 * KiB, i)], 5 * KiB, async (bytes) => bytes.every((b) => b === i) && bytes.fill(0xee) !== null);
      await expect(outcome).resolves.toBe(true);
    }
    expect(a.seen.bytes?.toString()).toBe('hello, world');
    a.settle();
    await files.settled();
    // Once it has settled, its memory serves later files: the ring is reused round and round.
    for (let i = 0; i < 40; i++) {
      const { outcome } = await files.start([Buffer.alloc(5 * KiB, i)], 5 * KiB, async (bytes) => bytes.every((b) => b === i));
      await expect(outcome).resolves.toBe(true);
    }
  });

  it('given as many files under way as allowed, when one more starts, then it waits until one settles', async () => {
    const files = new SmallFilesInFlight(2, 64 * KiB);
    const [a, b, c] = [pending(), pending(), pending()];
    await files.start([Buffer.alloc(10)], 10, a.store);
    await files.start([Buffer.alloc(10)], 10, b.store);
    let third = false;
    const started = files.start([Buffer.alloc(10)], 10, c.store).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    a.settle();
    await started;
    expect(third).toBe(true);
    b.settle();
    c.settle();
    await files.settled();
  });

  it('given the ring full behind an older file still under way, when the next starts, then it waits for that file, whatever settled after it', async () => {
    const files = new SmallFilesInFlight(8, 32 * KiB);
    const [a, b] = [pending(), pending()];
    await files.start([Buffer.alloc(12 * KiB)], 12 * KiB, a.store);
    await files.start([Buffer.alloc(12 * KiB)], 12 * KiB, b.store);
    let third = false;
    const started = files.start([Buffer.alloc(12 * KiB)], 12 * KiB, async () => undefined).then(() => (third = true));
    b.settle();
    await tick();
    // The newer one's room is free, but the ring reuses memory in order: the older one still holds its room.
    expect(third).toBe(false);
    a.settle();
    await started;
    expect(third).toBe(true);
    await files.settled();
  });

  it('given a store that failed, when the next starts, then that failure is thrown; settled waits for every store', async () => {
    const files = new SmallFilesInFlight(4, 64 * KiB);
    const [a, b] = [pending(), pending()];
    const { outcome } = await files.start([Buffer.alloc(1)], 1, a.store);
    await files.start([Buffer.alloc(1)], 1, b.store);
    a.settle(new Error('the disk is full'));
    await expect(outcome).rejects.toThrow('the disk is full');
    await expect(files.start([Buffer.alloc(1)], 1, async () => undefined)).rejects.toThrow('the disk is full');
    let waited = false;
    const all = files.settled().then(() => (waited = true));
    await tick();
    expect(waited).toBe(false);
    b.settle();
    await all;
    expect(waited).toBe(true);
  });
});
