import type { ChunkRef } from '@hangar/contracts';
import { alignUp, type BlobStore } from '@hangar/blob-store';
import { chunkSlices } from '../chunking/content-defined-chunker';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { ChunkRing } from './chunk-ring';
import { chunkKey } from './content-keys';
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
  /** Bytes of the chunks this call put (the store lacked them). */
  newBytes: number;
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
  append(bytes: Buffer): Promise<void>;
  /** The file was read to its end: these are its chunks. */
  complete(chunks: readonly ChunkRef[]): Promise<void>;
  /** The file was not read to its end. */
  abort(): Promise<void>;
}

/**
 * Writes one file's contents into the content-addressed store, chunk by chunk as they arrive: a chunk the store
 * already has (`stat`) is not put again. Each chunk is joined into the next free room of a ring of shared memory
 * (`chunkRingFor`), hashed on the hashing thread (its own SHA-256 and the file's CRC-32, which lets this thread go on
 * cutting) and put from there. Memory stays at the ring's. `copy` gets the file's bytes too, in order.
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
  // Oldest first, as their chunks were taken from the ring: each one's room is let go of once it has settled.
  const inFlight: Promise<void>[] = [];
  let size = 0;
  let newBytes = 0;
  let finished = false;
  const store = async (index: number, chunk: Buffer) => {
    const hash = await hashing.chunk(file, chunk);
    chunks[index] = { hash, size: chunk.length };
    const key = chunkKey(hash);
    if (await blobs.stat(key)) return;
    await blobs.put(key, chunk, { size: chunk.length, durable: false });
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
      size += length;
      let chunk = ring.take(length);
      while (!chunk) {
        await settleOldest();
        chunk = ring.take(length);
      }
      let at = 0;
      for (const slice of slices) at += slice.copy(chunk, at);
      inFlight.push(store(chunks.push({ hash: '', size: length }) - 1, chunk));
      // The copy takes the bytes from the slices, not from the joined chunk: a copy out of shared memory goes
      // through V8's relaxed atomic copy, which at a GiB cost 0.2 s more of this thread than a plain one.
      if (copy) for (const slice of slices) await copy.append(slice);
      if (inFlight.length >= CONCURRENT_PUTS) await settleOldest();
    }
    while (inFlight.length > 0) await settleOldest();
    await copy?.complete(chunks);
    finished = true;
    return { ...(await hashing.file(file)), size, chunks, newBytes };
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
