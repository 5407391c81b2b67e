import type { BlobStore } from '@hangar/blob-store';
import { chunkKey } from './content-keys';
import { chunkHolders, readChunk } from './chunk-packs';

/**
 * Copies the chunks `to` lacks from one content store to another (the archive tier's hot and cold stores), as objects
 * whether `from` holds them as objects or in packs. As a build's own writes do, the puts are not durable one by one:
 * the chunks are flushed in one batch at the end, before the caller writes the manifest that names them.
 */
export async function copyMissingChunks(from: BlobStore, to: BlobStore, hashes: Iterable<string>): Promise<void> {
  const holders = new Set<string>();
  for (const hash of new Set(hashes)) {
    const found = await chunkHolders(to, hash);
    if (found) {
      for (const key of found) holders.add(key);
      continue;
    }
    const bytes = await readChunk(from, hash);
    await to.put(chunkKey(hash), bytes, { size: bytes.length, durable: false });
    holders.add(chunkKey(hash));
  }
  await to.sync(holders);
}
