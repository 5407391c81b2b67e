/** Bounded waits for contract tests: a hanging subscription must fail the test, not the whole run. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pull items from an iterator until `count` of them match, ignoring the rest (other tests' events on a shared store). */
export async function nextMatching<T>(
  iterator: AsyncIterator<T>,
  count: number,
  matches: (item: T) => boolean,
  ms = 5_000,
): Promise<T[]> {
  const found: T[] = [];
  const deadline = Date.now() + ms;
  while (found.length < count) {
    const result = await withTimeout(iterator.next(), Math.max(1, deadline - Date.now()), `${count} items`);
    if (result.done) throw new Error(`iteration ended after ${found.length} of ${count} items`);
    if (matches(result.value)) found.push(result.value);
  }
  return found;
}
