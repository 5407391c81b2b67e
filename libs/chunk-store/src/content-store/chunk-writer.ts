import type { ChunkRef } from '@hangar/contracts';
import { alignUp, copyBytes, readFileRange, type BlobStore } from '@hangar/blob-store';
import { chunkSlices } from '../chunking/content-defined-chunker';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { ChunkRing } from './chunk-ring';
import { chunkKey } from './content-keys';
import { chunkHolders, packFile, type ChunkAt } from './chunk-packs';
import { chunkListKey } from '../extraction/extracted-files';
import { HashingThread } from '../hashing/hashing-thread';

/**
 * A file as the content store holds it: its chunks, whose SHA-256s in order name its bytes (there is no SHA-256 of
 * the whole file, see `FileDigests`).
 */
export interface WrittenContents {
  /** CRC-32 of the bytes the chunks were made of (unsigned), to compare with what the zip says of the file. */
  crc32: number;
  size: number;
  chunks: ChunkRef[];
  /** Bytes of the chunks this call stored (the store lacked them), as objects or in a pack. */
  newBytes: number;
  /** The keys that hold these chunks' bytes (`chunkHolders`): what must be made durable before a manifest names them. */
  holders: string[];
}

/**
 * Chunks in flight at once per file (hashed and put, not waiting for each other), as far as the ring holds them: each
 * chunk is hashed on the hashing thread, then put with a few filesystem calls, each a round trip through libuv's
 * pool, so a chunk spends milliseconds in flight while the disk is mostly idle. With two, the ingest thread waited
 * for puts a second per GiB and the disk ran at a queue depth of about one; four were faster by about 0.5 s per GiB
 * (interleaved runs, 2026-12-04), eight no faster. Puts are not durable one by one (`durable: false`): the build's
 * chunks are flushed in one batch before its manifest is written (`storeBuild`), or at the end of an ingest, instead
 * of an fsync wait per chunk.
 */
const CONCURRENT_PUTS = 4;

/**
 * The ring the chunks of a file are joined into while they are hashed and put: room for one and a half of the
 * largest chunk, so about six of the average (four times smaller), in shared memory the hashing thread reads where
 * it lies. One ring can serve every file of a build, one file after another.
 */
export function chunkRingFor(chunking: ChunkingOptions): ChunkRing {
  return new ChunkRing(alignUp((3 * chunking.maxSize) / 2), { shared: true });
}

/** Where a file's bytes are also written as they are chunked (an extraction, see `ExtractedFiles`): never throws. */
export interface ContentsCopy {
  /**
   * The store can link the whole copy in (`BlobStore.linkFile`): new chunks are then stored from it once it is whole
   * (a pack) instead of put as they come, and a copy that could not be written fails the file.
   */
  readonly packs: boolean;
  append(bytes: Buffer): Promise<void>;
  /** The file was read to its end: these are its chunks. Where the whole copy now lies, or null if it was not written. */
  complete(chunks: readonly ChunkRef[]): Promise<string | null>;
  /** The file was not read to its end. */
  abort(): Promise<void>;
}

/**
 * Writes one file's contents into the content-addressed store, chunk by chunk as they arrive: a chunk the store
 * already has (as an object or in a pack) is not stored again. Each chunk is joined into the next free room of a ring
 * of shared memory (`chunkRingFor`), hashed on the hashing thread (its own SHA-256 and the file's CRC-32, which lets
 * this thread go on cutting) and put from there. Memory stays at the ring's. `copy` gets the file's bytes too, in
 * order; with a copy the store can link in (`packs`), new chunks are not put as they come but stored from the copy
 * once it is whole: the copy itself becomes their pack (`packFile`), or, for a file whose chunks the store mostly
 * had, the few new ones are read back from it and put as objects (a pack would keep the whole file for them).
 */
export async function writeContents(
  blobs: BlobStore,
  contents: AsyncIterable<Uint8Array>,
  chunking: ChunkingOptions,
  ring: ChunkRing = chunkRingFor(chunking),
  copy?: ContentsCopy,
): Promise<WrittenContents> {
  const hashing = HashingThread.get();
  const file = hashing.newFile();
  const chunks: ChunkRef[] = [];
  const holders: string[] = [];
  // New chunks left to be stored from the copy once it is whole, by hash (a chunk the file repeats, once).
  const deferred = new Map<string, ChunkAt>();
  // Oldest first, as their chunks were taken from the ring: each one's room is let go of once it has settled.
  const inFlight: Promise<void>[] = [];
  let size = 0;
  let newBytes = 0;
  let finished = false;
  const store = async (index: number, chunk: Buffer, offset: number) => {
    const hash = await hashing.chunk(file, chunk);
    chunks[index] = { hash, size: chunk.length };
    if (deferred.has(hash)) return;
    const found = await chunkHolders(blobs, hash);
    if (found) {
      holders.push(...found);
      return;
    }
    if (copy?.packs) {
      deferred.set(hash, { hash, size: chunk.length, offset });
    } else {
      await blobs.put(chunkKey(hash), chunk, { size: chunk.length, durable: false });
      holders.push(chunkKey(hash));
    }
    newBytes += chunk.length;
  };
  // The oldest put settles (a failure surfaces here and stops the file), and its room in the ring is free again.
  const settleOldest = async () => {
    try {
      await inFlight.shift();
    } finally {
      ring.release();
    }
  };
  try {
    for await (const slices of chunkSlices(contents, chunking)) {
      const length = slices.reduce((sum, slice) => sum + slice.length, 0);
      const offset = size;
      size += length;
      let chunk = ring.take(length);
      while (!chunk) {
        await settleOldest();
        chunk = ring.take(length);
      }
      let at = 0;
      for (const slice of slices) at += copyBytes(slice, chunk, at);
      inFlight.push(store(chunks.push({ hash: '', size: length }) - 1, chunk, offset));
      // The copy takes the bytes from the slices, not from the joined chunk: a copy out of shared memory goes
      // through V8's relaxed atomic copy, which at a GiB cost 0.2 s more of this thread than a plain one.
      if (copy) for (const slice of slices) await copy.append(slice);
      if (inFlight.length >= CONCURRENT_PUTS) await settleOldest();
    }
    while (inFlight.length > 0) await settleOldest();
    const copied = (await copy?.complete(chunks)) ?? null;
    if (deferred.size > 0) holders.push(...(await storeFromCopy(blobs, copied, chunks, [...deferred.values()], 2 * newBytes >= size)));
    finished = true;
    return { ...(await hashing.file(file)), size, chunks, newBytes, holders };
  } finally {
    // Puts still running when the file failed: waited for (their chunks' memory is in use until then), so that none
    // ends as an unhandled rejection and the ring is empty for the next file; the hashing thread lets go of the file.
    while (inFlight.length > 0) await settleOldest().catch(() => undefined);
    if (!finished) {
      hashing.file(file).catch(() => undefined);
      await copy?.abort();
    }
  }
}

/**
 * Stores a file's new chunks from its whole copy at `path`: as a pack when `asPack` (most of the file is new) and the
 * store can link the copy, else each read back and put as an object. Returns the keys that now hold them.
 */
async function storeFromCopy(blobs: BlobStore, path: string | null, chunks: readonly ChunkRef[], fresh: readonly ChunkAt[], asPack: boolean): Promise<string[]> {
  if (!path) throw new Error(`the file's copy could not be written, and ${fresh.length} new chunk(s) of it were to be stored from there`);
  if (asPack) {
    const packed = await packFile(blobs, path, chunkListKey(chunks), fresh);
    if (packed) return packed;
  }
  const holders: string[] = [];
  for (const chunk of fresh) {
    const bytes = await readFileRange(path, chunk.offset, Buffer.alloc(chunk.size));
    if (bytes.length !== chunk.size) throw new Error(`the file's copy at ${path} ends before its chunk at ${chunk.offset}`);
    await blobs.put(chunkKey(chunk.hash), bytes, { size: chunk.size, durable: false });
    holders.push(chunkKey(chunk.hash));
  }
  return holders;
}
