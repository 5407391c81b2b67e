import type { BlobStore } from '../port/blob-store.port';

/** What `slowPuts` saw: puts so far, under way now, and the most under way at once. */
export interface PutsSeen {
  puts: number;
  running: number;
  most: number;
}

/**
 * `inner` whose puts each take `delayMs` longer, counting how many run at once, and failing the `failOnPut`-th put
 * (1-based) with "the disk is full": how a test sees that writes overlap, and what a failed one stops. With `links`,
 * `linkFile` calls are slowed and counted as puts too (an extraction's files are linked in, not put).
 */
export function slowPuts(inner: BlobStore, options: { delayMs?: number; failOnPut?: number; links?: boolean } = {}): { store: BlobStore; seen: PutsSeen } {
  const seen: PutsSeen = { running: 0, most: 0, puts: 0 };
  const store: BlobStore = Object.create(inner);
  const slowed = async <T>(write: () => Promise<T>): Promise<T> => {
    seen.puts++;
    const put = seen.puts;
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
      if (put === options.failOnPut) throw new Error('the disk is full');
      return await write();
    } finally {
      seen.running--;
    }
  };
  store.put = (key, body, putOptions) => slowed(() => inner.put(key, body, putOptions));
  if (options.links) store.linkFile = (key, path) => slowed(() => inner.linkFile(key, path));
  return { store, seen };
}
