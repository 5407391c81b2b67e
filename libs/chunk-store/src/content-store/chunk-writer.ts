import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { chunkSlices } from '../chunking/content-defined-chunker';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { ChunkBuffers } from './chunk-buffers';
import { chunkKey } from './content-keys';
import { HashingThread } from '../hashing/hashing-thread';

export interface WrittenContents {
  sha256: string;
  size: number;
  chunks: ChunkRef[];
  /** Bytes of the chunks this call put (the store lacked them). */
  newBytes: number;
}

/**
 * Chunks in flight at once per file (hashed and put, not waiting for each other): one at a time leaves the disk idle
 * between them; each holds a buffer of up to the largest chunk size, and direct puts take a millisecond or two, so
 * two are enough (the ingest waited 0.05 s in all for four at 1 GiB). Puts are not durable one by one
 * (`durable: false`): the build's chunks are flushed in one batch before its manifest is written (`storeBuild`), or
 * at the end of an ingest, instead of an fsync wait per chunk.
 */
const CONCURRENT_PUTS = 2;

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
 * already has (`stat`) is not put again. Each chunk is joined into one of a few reused buffers of shared memory
 * (`ChunkBuffers`), hashed on the hashing thread (its own SHA-256 and the file's, which lets this thread go on
 * cutting) and put from there. Memory stays at a few chunks. `copy` gets the file's bytes too, in order.
 */
export async function writeContents(
  blobs: BlobStore,
  contents: AsyncIterable<Uint8Array>,
  chunking: ChunkingOptions,
  buffers: ChunkBuffers = new ChunkBuffers(chunking.maxSize),
  copy?: ContentsCopy,
): Promise<WrittenContents> {
  const hashing = HashingThread.get();
  const file = hashing.newFile();
  const chunks: ChunkRef[] = [];
  const inFlight: Promise<void>[] = [];
  let size = 0;
  let newBytes = 0;
  let finished = false;
  const store = async (index: number, chunk: Buffer) => {
    try {
      const hash = await hashing.chunk(file, chunk);
      chunks[index] = { hash, size: chunk.length };
      const key = chunkKey(hash);
      if (await blobs.stat(key)) return;
      await blobs.put(key, chunk, { size: chunk.length, durable: false });
      newBytes += chunk.length;
    } finally {
      buffers.release(chunk);
    }
  };
  try {
    for await (const slices of chunkSlices(contents, chunking)) {
      const length = slices.reduce((sum, slice) => sum + slice.length, 0);
      size += length;
      const chunk = buffers.fill(slices, length);
      inFlight.push(store(chunks.push({ hash: '', size: length }) - 1, chunk));
      // The copy takes the bytes from the slices, not from the joined chunk: a copy out of shared memory goes
      // through V8's relaxed atomic copy, which at a GiB cost 0.2 s more of this thread than a plain one.
      if (copy) for (const slice of slices) await copy.append(slice);
      // Oldest first: a failed put surfaces here and stops the file.
      if (inFlight.length >= CONCURRENT_PUTS) await inFlight.shift();
    }
    await Promise.all(inFlight);
    await copy?.complete(chunks);
    finished = true;
    return { sha256: await hashing.file(file), size, chunks, newBytes };
  } finally {
    // Puts still running when the file failed: observed, so that none ends as an unhandled rejection; and the
    // hashing thread lets go of the file.
    for (const put of inFlight) put.catch(() => undefined);
    if (!finished) {
      hashing.file(file).catch(() => undefined);
      await copy?.abort();
    }
  }
}
