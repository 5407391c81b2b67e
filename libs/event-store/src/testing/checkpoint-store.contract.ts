import { randomUUID } from 'node:crypto';
import type { CheckpointStore } from '../port/checkpoint-store.port';

/** What a checkpoint adapter's spec hands to the contract for each test. */
export interface CheckpointStoreUnderTest {
  store: CheckpointStore;
  /** A second store over the same data, opened independently (another process). Absent: those tests are skipped. */
  reopen?(): Promise<CheckpointStore>;
  /** Close whatever is still open and delete the test's data. */
  cleanup(): Promise<void>;
}

/** The behaviour every CheckpointStore adapter must have. */
export function checkpointStoreContract(name: string, factory: () => Promise<CheckpointStoreUnderTest>): void {
  describe(`${name} (CheckpointStore contract)`, () => {
    let subject: CheckpointStoreUnderTest;
    let store: CheckpointStore;
    const reopened: CheckpointStore[] = [];

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await Promise.all(reopened.splice(0).map((other) => other.close()));
      await subject.cleanup();
    });

    async function reopen(): Promise<CheckpointStore | undefined> {
      const other = await subject.reopen?.();
      if (other) reopened.push(other);
      return other;
    }

    it('loads null for a checkpoint never stored', async () => {
      expect(await store.load(uniqueName())).toBeNull();
    });

    it('advances a checkpoint and loads it back', async () => {
      const name = uniqueName();
      expect(await store.advance(name, 5n)).toBe(5n);
      expect(await store.load(name)).toBe(5n);
      expect(await store.advance(name, 7n)).toBe(7n);
      expect(await store.load(name)).toBe(7n);
    });

    it('never moves a checkpoint backwards, and returns the one in force', async () => {
      const name = uniqueName();
      await store.advance(name, 10n);
      expect(await store.advance(name, 3n)).toBe(10n);
      expect(await store.advance(name, 10n)).toBe(10n);
      expect(await store.load(name)).toBe(10n);
    });

    it('keeps checkpoints apart by name, whatever characters the names hold', async () => {
      const stem = uniqueName();
      const names = [`${stem}`, `${stem}.relay`, `${stem}:projection/builds`, `${stem} with spaces`, `${stem}=3D`];
      for (const [i, name] of names.entries()) await store.advance(name, BigInt(i + 1));
      for (const [i, name] of names.entries()) expect(await store.load(name)).toBe(BigInt(i + 1));
    });

    it('stores positions beyond 64 bits exactly', async () => {
      const name = uniqueName();
      const huge = 2n ** 70n + 12345n;
      expect(await store.advance(name, huge)).toBe(huge);
      expect(await store.load(name)).toBe(huge);
      expect(await store.advance(name, 2n ** 69n)).toBe(huge);
    });

    it('ends at the highest position when advances race, and none returns less than it asked for', async () => {
      const name = uniqueName();
      const other = (await reopen()) ?? store;
      const positions = shuffled(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));

      const returned = await Promise.all(positions.map((position, i) => (i % 2 ? other : store).advance(name, position)));

      returned.forEach((inForce, i) => expect(inForce).toBeGreaterThanOrEqual(positions[i]!));
      expect(await store.load(name)).toBe(20n);
      expect(await other.load(name)).toBe(20n);
    });
  });
}

function uniqueName(): string {
  return `relay-${randomUUID().slice(0, 8)}`;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
