/**
 * Runs `work` on every item, `concurrency` at a time, starting them in order: how a batch of blob, file or zip-entry
 * calls (a flush, a lookup, a rename per chunk or file, an entry inflated on libuv's pool) overlaps its round trips
 * instead of waiting out each in turn, without queueing thousands at once. After the first failure no new item
 * starts and the ones under way are told (`signal`); it rejects with that failure once they have settled, so that
 * nothing is left running (reading an archive about to close, say).
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const abort = new AbortController();
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (next < items.length && !abort.signal.aborted) {
      const index = next++;
      try {
        await work(items[index], index, abort.signal);
      } catch (error) {
        if (!failure) {
          failure = { error };
          abort.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}
