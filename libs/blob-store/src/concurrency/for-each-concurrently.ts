/**
 * Runs `work` on every item, `concurrency` at a time, starting them in order: how a batch of blob or file calls (a
 * flush, a lookup, a rename per chunk or file) overlaps its round trips instead of waiting out each in turn, without
 * queueing thousands at once. Rejects with the first failure, once the calls under way have settled.
 */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}
