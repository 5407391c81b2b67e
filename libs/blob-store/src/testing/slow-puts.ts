import type { BlobStore } from '../port/blob-store.port';

/** What `slowPuts` saw: puts so far, under way now, and the most under way at once. */
export interface PutsSeen {
  puts: number;
  running: number;
  most: number;
}

/**
 * `inner` whose puts each take `delayMs` longer, counting how many run at once, and failing the `failOnPut`-th put
 * (1-based) with "the disk is full": how a test sees that writes overlap, and what a failed one stops.
 */
export function slowPuts(inner: BlobStore, options: { delayMs?: number; failOnPut?: number } = {}): { store: BlobStore; seen: PutsSeen } {
  const seen: PutsSeen = { running: 0, most: 0, puts: 0 };
  const store: BlobStore = Object.create(inner);
  store.put = async (key, body, putOptions) => {
    seen.puts++;
    const put = seen.puts;
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
      if (put === options.failOnPut) throw new Error('the disk is full');
      return await inner.put(key, body, putOptions);
    } finally {
      seen.running--;
    }
  };
  return { store, seen };
}
