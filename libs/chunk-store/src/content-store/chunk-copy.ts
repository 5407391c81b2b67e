import { BlobNotFound, type BlobStore } from '@hangar/blob-store';
import { chunkKey } from './content-keys';

/**
 * Copies the chunks `to` lacks from one content store to another (the archive tier's hot and cold stores). As a
 * build's own writes do, the puts are not durable one by one: the chunks are flushed in one batch at the end, before
 * the caller writes the manifest that names them.
 */
export async function copyMissingChunks(from: BlobStore, to: BlobStore, hashes: Iterable<string>): Promise<void> {
  const keys = [...hashes].map(chunkKey);
  for (const key of keys) {
    if (await to.stat(key)) continue;
    const info = await from.stat(key);
    if (!info) throw new BlobNotFound(key);
    await to.put(key, await from.get(key), { size: info.size, durable: false });
  }
  await to.sync(keys);
}
