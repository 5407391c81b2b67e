/**
 * Runs `work` over entries with at most `concurrency` in flight: inflating runs on libuv's thread pool, so a few
 * entries at once keep several cores busy. After the first failure no new entry starts; the in-flight ones are told
 * (`signal`) and awaited, so that nothing is left reading when the archive closes. The first failure is thrown.
 */
export async function forEachEntry<T>(
  entries: readonly T[],
  concurrency: number,
  work: (entry: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const abort = new AbortController();
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (!abort.signal.aborted && next < entries.length) {
      const entry = entries[next++];
      try {
        await work(entry, abort.signal);
      } catch (error) {
        if (!abort.signal.aborted) {
          firstError = error;
          abort.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, entries.length)) }, worker));
  if (abort.signal.aborted) throw firstError;
}
