import { readFile } from 'node:fs/promises';
import { BlobNotFound, forEachConcurrently, readBlob, readFileRange, type BlobStore } from '@hangar/blob-store';
import { chunkKey } from './content-keys';

/**
 * Packs: where the store holds a file whole and names its chunks by position instead of keeping each chunk as an
 * object of its own. A pack is a file the ingest has just written anyway, the build's extracted copy of an entry
 * (`ExtractedFiles`), linked into the store (`BlobStore.linkFile`: a hard link, no byte copied), and each of its new
 * chunks gets a small entry, `packed-chunks/<sha256>`, saying where in which pack it lies. Why: writing every new
 * chunk again as a file of its own was a third copy of every byte of a build on the disk (the zip, the extracted
 * files, the chunks), and the disk bounds the pipeline (a 1 GiB build wrote 3 GiB; without the chunk files, 2 GiB
 * and about 15 % less time, 2026-12-05). Only stores that can link a file in place have packs (the filesystem store
 * on the extraction's filesystem, embedded mode); elsewhere chunks stay objects. A chunk is in the store when either
 * its object or its entry is there; readers look for the object first.
 *
 * The pack and the worker's copy of the file are one file under two names: whoever holds the worker's name must not
 * write into it (the worker never does; a chunk read from a pack is checked against its hash like any other).
 */
export const PACKS_PREFIX = 'packs/';
export const PACKED_CHUNKS_PREFIX = 'packed-chunks/';
export const packKey = (name: string) => `${PACKS_PREFIX}${name}`;
export const packedChunkKey = (sha256: string) => `${PACKED_CHUNKS_PREFIX}${sha256}`;

/**
 * Entries put at once: each is a few filesystem calls through libuv's pool, and a pack of a GiB has about 500 of
 * them, which the ingest waits for before it reads on.
 */
const ENTRIES_AT_ONCE = 16;

/** Where a packed chunk lies: its pack's key and its bytes' place in it. */
export interface PackedChunk {
  pack: string;
  offset: number;
  size: number;
}

/** A chunk of a file about to become a pack: its hash, size and offset in the file. */
export interface ChunkAt {
  hash: string;
  size: number;
  offset: number;
}

/**
 * Where the store has `hash` in a pack, or null (not packed: an object of its own, or absent). An entry on this
 * machine's disk is read in one call, as the worker reads chunks (`get` opens a stream, several round trips through
 * libuv's pool for a few dozen bytes, and a build's confirmation reads an entry per chunk).
 */
export async function packedChunk(blobs: BlobStore, hash: string): Promise<PackedChunk | null> {
  const key = packedChunkKey(hash);
  const local = blobs.localPath(key);
  let text: string;
  try {
    if (local) text = await readFile(local, 'utf8');
    else text = (await readBlob(blobs, key)).toString('utf8');
  } catch (error) {
    if (error instanceof BlobNotFound || (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return JSON.parse(text) as PackedChunk;
}

/**
 * Where the store has `hash` in a pack that is there, or null. An entry can outlive its pack: a collection pass that
 * listed the entries before a new pack's were put, and the packs after it was linked, deletes that pack as unused; so
 * whoever relies on an entry checks its pack too, and a dangling entry counts as no chunk (the next store of that
 * chunk replaces it; the next pass deletes it if nothing names the chunk).
 */
async function packedChunkThere(blobs: BlobStore, hash: string, packs?: PackLookups): Promise<PackedChunk | null> {
  const packed = await packedChunk(blobs, hash);
  if (!packed) return null;
  const there = packs?.get(packed.pack) ?? blobs.stat(packed.pack).then((info) => info !== null);
  packs?.set(packed.pack, there);
  return (await there) ? packed : null;
}

/** Packs already looked up by one caller: a build's hundreds of chunks lie in a few packs, each looked up once. */
export type PackLookups = Map<string, Promise<boolean>>;

/**
 * The keys the chunk's bytes need (its object; or its entry and its pack), to make them durable (`sync`) before a
 * manifest names them; null when the store lacks the chunk (`packs`: pack lookups to share between calls).
 */
export async function chunkHolders(blobs: BlobStore, hash: string, packs?: PackLookups): Promise<string[] | null> {
  if (await blobs.stat(chunkKey(hash))) return [chunkKey(hash)];
  const packed = await packedChunkThere(blobs, hash, packs);
  return packed && [packedChunkKey(hash), packed.pack];
}

/**
 * Makes the file at `path` the pack `name` and enters `chunks` (new chunks of it) as lying there; returns the keys to
 * make durable, or null when the store cannot link the file (the caller stores the chunks as objects). The pack is
 * linked before any entry names it, and a collection deletes entries before packs, so that a crash leaves at worst a
 * pack no entry names (the next pass deletes it); a pass racing this may still leave entries without their pack,
 * which readers check (`chunkHolders`).
 */
export async function packFile(blobs: BlobStore, path: string, name: string, chunks: readonly ChunkAt[]): Promise<string[] | null> {
  const pack = packKey(name);
  if (!(await blobs.linkFile(pack, path))) return null;
  await forEachConcurrently(chunks, ENTRIES_AT_ONCE, async (chunk) => {
    const entry: PackedChunk = { pack, offset: chunk.offset, size: chunk.size };
    await blobs.put(packedChunkKey(chunk.hash), Buffer.from(JSON.stringify(entry)), { contentType: 'application/json', durable: false });
  });
  return [pack, ...chunks.map((chunk) => packedChunkKey(chunk.hash))];
}

/**
 * A chunk's bytes from its pack, read into `into` (at least the chunk's size; a fresh buffer without it), or null when
 * the store has no entry for it. In one read where the pack is a file on this machine (at any offset, so through the
 * page cache: a direct read needs aligned ones), else as a range. Fewer bytes than the chunk's size when the pack is
 * shorter; the caller checks the hash.
 */
export async function readFromPack(blobs: BlobStore, hash: string, into?: Buffer): Promise<Buffer | null> {
  const packed = await packedChunk(blobs, hash);
  if (!packed) return null;
  const bytes = (into ?? Buffer.alloc(packed.size)).subarray(0, packed.size);
  const local = blobs.localPath(packed.pack);
  if (local) {
    try {
      return await readFileRange(local, packed.offset, bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(packed.pack);
      throw error;
    }
  }
  let read = 0;
  for await (const part of await blobs.get(packed.pack, { start: packed.offset, end: packed.offset + packed.size })) read += (part as Buffer).copy(bytes, read);
  return bytes.subarray(0, read);
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
