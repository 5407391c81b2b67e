import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { chunkKey } from '@hangar/chunk-store';

export class ChunkCorrupt extends Error {
  readonly code = 'CHUNK_CORRUPT';
  constructor(readonly hash: string, got: string) {
    super(`chunk ${hash} from the store hashes to ${got}`);
    this.name = 'ChunkCorrupt';
  }
}

/** Missing chunks fetched at once: enough to hide the store's latency, few enough to bound memory (4 × max chunk). */
const FETCH_CONCURRENCY = 4;

/**
 * The worker's chunks, `<root>/chunks/<sha256>`: a chunk is fetched from the store only when absent here, checked
 * against its hash, and written under a temporary name then renamed, so a present file is always a whole, verified
 * chunk. Builds share the cache: a new build that differs from the last in a few files costs only those chunks.
 */
export class ChunkCache {
  readonly dir: string;

  constructor(
    private readonly blobs: BlobStore,
    root: string,
  ) {
    this.dir = join(root, 'chunks');
  }

  pathOf(hash: string): string {
    return join(this.dir, hash);
  }

  /** Fetches the chunks the cache lacks; answers how many it fetched. */
  async fill(chunks: Iterable<ChunkRef>): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const missing: ChunkRef[] = [];
    const seen = new Set<string>();
    for (const chunk of chunks) {
      if (seen.has(chunk.hash)) continue;
      seen.add(chunk.hash);
      if (!(await this.has(chunk))) missing.push(chunk);
    }
    let next = 0;
    const fetchLoop = async () => {
      while (next < missing.length) await this.fetch(missing[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, missing.length) }, fetchLoop));
    return missing.length;
  }

  private async has(chunk: ChunkRef): Promise<boolean> {
    return stat(this.pathOf(chunk.hash)).then(
      (s) => s.size === chunk.size,
      () => false,
    );
  }

  private async fetch(chunk: ChunkRef): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of await this.blobs.get(chunkKey(chunk.hash))) parts.push(part as Buffer);
    const bytes = Buffer.concat(parts);
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== chunk.hash) throw new ChunkCorrupt(chunk.hash, got);
    const temporary = join(this.dir, `.${chunk.hash}-${randomBytes(4).toString('hex')}`);
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, this.pathOf(chunk.hash));
    } finally {
      await rm(temporary, { force: true });
    }
  }
}
