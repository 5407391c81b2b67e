import { BlobNotFound, readBlob, readFileRange, type BlobStore } from '@hangar/blob-store';
import { chunkKey } from './content-keys';
import { PackIndex, type ChunkAt, type PackedChunk } from './pack-index';

export type { ChunkAt, PackedChunk } from './pack-index';

/**
 * Packs: where the store holds a file whole and names its chunks by position instead of keeping each chunk as an
 * object of its own. A pack is a file the ingest has just written anyway, the build's extracted copy of an entry
 * (`ExtractedFiles`), linked into the store (`BlobStore.linkFile`: a hard link, no byte copied), and each of its new
 * chunks gets an entry in the store's pack index (`PackIndex`) saying where in which pack it lies. Why: writing every
 * new chunk again as a file of its own was a third copy of every byte of a build on the disk (the zip, the extracted
 * files, the chunks), and the disk bounds the pipeline (a 1 GiB build wrote 3 GiB; without the chunk files, 2 GiB
 * and about 15 % less time, 2026-12-05). Only stores that can link a file in place have packs (the filesystem store
 * on the extraction's filesystem, embedded mode); elsewhere chunks stay objects. A chunk is in the store when either
 * its object or its entry is there; readers look for the object first.
 *
 * The pack and the worker's copy of the file are one file under two names: whoever holds the worker's name must not
 * write into it (the worker never does; a chunk read from a pack is checked against its hash like any other).
 */
export const PACKS_PREFIX = 'packs/';
export const packKey = (name: string) => `${PACKS_PREFIX}${name}`;

/**
 * Where the store has `hash` in a pack that is there, or null. An entry can outlive its pack: a collection pass that
 * listed the entries before a new pack's were put, and the packs after it was linked, deletes that pack as unused; so
 * whoever relies on an entry checks its pack too, and a dangling entry counts as no chunk (the next store of that
 * chunk replaces it; the next pass deletes it if nothing names the chunk).
 */
async function packedChunkThere(blobs: BlobStore, hash: string, packs?: PackLookups): Promise<PackedChunk | null> {
  const packed = PackIndex.of(blobs)?.find(hash);
  if (!packed) return null;
  const there = packs?.get(packed.pack) ?? blobs.stat(packed.pack).then((info) => info !== null);
  packs?.set(packed.pack, there);
  return (await there) ? packed : null;
}

/** Packs already looked up by one caller: a build's hundreds of chunks lie in a few packs, each looked up once. */
export type PackLookups = Map<string, Promise<boolean>>;

/**
 * The keys the chunk's bytes need (its object; or its pack, the index's entry being durable once entered), to make
 * them durable (`sync`) before a manifest names them; null when the store lacks the chunk (`packs`: pack lookups to
 * share between calls).
 */
export async function chunkHolders(blobs: BlobStore, hash: string, packs?: PackLookups): Promise<string[] | null> {
  if (await blobs.stat(chunkKey(hash))) return [chunkKey(hash)];
  const packed = await packedChunkThere(blobs, hash, packs);
  return packed && [packed.pack];
}

/**
 * Makes the file at `path` the pack `name` and enters `chunks` (new chunks of it) in the store's pack index as lying
 * there (durably, one transaction); returns the keys to make durable, or null when the store cannot link the file
 * (the caller stores the chunks as objects). The pack is linked before any entry names it, and a collection removes
 * entries before packs, so that a crash leaves at worst a pack no entry names (the next pass deletes it); a pass
 * racing this may still leave entries without their pack, which readers check (`chunkHolders`).
 */
export async function packFile(blobs: BlobStore, path: string, name: string, chunks: readonly ChunkAt[]): Promise<string[] | null> {
  const index = PackIndex.of(blobs, { create: true });
  const pack = packKey(name);
  if (!index || !(await blobs.linkFile(pack, path))) return null;
  index.enter(pack, chunks);
  return [pack];
}

/**
 * A chunk's bytes from its pack, read into `into` (at least the chunk's size; a fresh buffer without it), or null when
 * the store has no entry for it. In one read of the pack's file (at any offset, so through the page cache: a direct
 * read needs aligned ones): a store with packs has its files on this machine (`PackIndex`). Fewer bytes than the
 * chunk's size when the pack is shorter; the caller checks the hash.
 */
export async function readFromPack(blobs: BlobStore, hash: string, into?: Buffer): Promise<Buffer | null> {
  const packed = PackIndex.of(blobs)?.find(hash);
  const local = packed && blobs.localPath(packed.pack);
  if (!packed || !local) return null;
  const bytes = (into ?? Buffer.alloc(packed.size)).subarray(0, packed.size);
  try {
    return await readFileRange(local, packed.offset, bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(packed.pack);
    throw error;
  }
}

/** A chunk's bytes, from its object or its pack (unchecked: the caller checks the hash). `BlobNotFound` when absent. */
export async function readChunk(blobs: BlobStore, hash: string): Promise<Buffer> {
  try {
    return await readBlob(blobs, chunkKey(hash));
  } catch (error) {
    if (!(error instanceof BlobNotFound)) throw error;
  }
  const packed = await readFromPack(blobs, hash);
  if (!packed) throw new BlobNotFound(chunkKey(hash));
  return packed;
}
