import { createHash } from 'node:crypto';
import { crc32 } from '@hangar/archive';
import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import type { ChunkingOptions } from '../chunking/chunking-options';
import type { WrittenContents } from './chunk-writer';
import { chunkKey } from './content-keys';
import { chunkHolders, type PackLookups } from './chunk-packs';
import type { SmallFilePack } from './small-file-pack';

/** The pack an ingest's small files share (`SmallFilePack`), and its lookups of packs, shared by its files too. */
export interface SharedSmallFilePack {
  pack: SmallFilePack;
  lookups: PackLookups;
}

/**
 * Whether a file of `size` bytes is one chunk (or none, when empty) whatever its bytes: no cut point comes before
 * the smallest chunk (`minSize`, the bytes the gear hash skips), so such a file is cut exactly as `writeContents`
 * would cut it without scanning it.
 */
export function isSingleChunk(size: number, chunking: ChunkingOptions): boolean {
  return size <= chunking.minSize;
}

/**
 * Writes a file that is one chunk (`isSingleChunk`) into the content-addressed store as `writeContents` would, but
 * whole: one SHA-256 (the chunk's), a `stat`, and a put when the store lacks it; no ring and no
 * hashing thread, so that several such files can be under way at once (a build has hundreds or thousands; one at a
 * time, each waited out a chain of filesystem calls while the disk and the CPU were idle). `bytes` must stay as
 * they are until this settles. `copy` writes the file's copy (an extraction) and says where it lies: a chunk the
 * store lacks is then that file, linked in as its object (`BlobStore.linkFile`, no byte written again), as a large
 * file's copy becomes its pack; where it cannot be linked, the chunk is put. With `shared`, a chunk the store lacks
 * goes into the ingest's pack of small files instead (the copy is then only the worker's).
 */
export async function writeSingleChunkFile(
  blobs: BlobStore,
  bytes: Buffer,
  chunking: ChunkingOptions,
  copy?: (chunks: readonly ChunkRef[]) => Promise<string | null>,
  shared?: SharedSmallFilePack,
): Promise<WrittenContents> {
  if (!isSingleChunk(bytes.length, chunking)) throw new RangeError(`a file of ${bytes.length} bytes may be more than one chunk of at least ${chunking.minSize}`);
  const crc = crc32(bytes) >>> 0;
  if (bytes.length === 0) {
    await copy?.([]);
    return { crc32: crc, size: 0, chunks: [], newBytes: 0, holders: [] };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const chunks = [{ hash: sha256, size: bytes.length }];
  if (shared) {
    // The store may have the chunk as an object or in a pack (an earlier build's small files' pack, most likely).
    const [found] = await Promise.all([chunkHolders(blobs, sha256, shared.lookups), copy?.(chunks)]);
    if (found) return { crc32: crc, size: bytes.length, chunks, newBytes: 0, holders: found };
    const added = await shared.pack.add(sha256, bytes);
    // Made durable with the pack, once it is sealed (`SmallFilePack.seal`).
    return { crc32: crc, size: bytes.length, chunks, newBytes: added ? bytes.length : 0, holders: [] };
  }
  const key = chunkKey(sha256);
  const [found, copied] = await Promise.all([blobs.stat(key), copy?.(chunks) ?? null]);
  // Only objects are looked for: a small file's chunk is seldom a chunk of a large one, and a build of thousands of
  // small files would pay a second lookup for each (an object stored beside such an entry is harmless: readers take
  // the object).
  if (found) return { crc32: crc, size: bytes.length, chunks, newBytes: 0, holders: [key] };
  // A copy that cannot be linked (another filesystem, or gone meanwhile: its folder discarded) is no loss: put.
  const linked = copied ? await blobs.linkFile(key, copied).catch(() => null) : null;
  if (!linked) await blobs.put(key, bytes, { size: bytes.length, durable: false });
  return { crc32: crc, size: bytes.length, chunks, newBytes: bytes.length, holders: [key] };
}
