import { createHash } from 'node:crypto';
import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { chunkSlices } from '../chunking/content-defined-chunker';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { ChunkBuffers } from './chunk-buffers';
import { chunkKey } from './content-keys';

export interface WrittenContents {
  sha256: string;
  size: number;
  chunks: ChunkRef[];
  /** Bytes of the chunks this call put (the store lacked them). */
  newBytes: number;
}

/**
 * Chunks in flight at once per file (hashed and put, not waiting for each other): one at a time leaves the disk idle
 * between them. Puts are not durable one by one (`durable: false`): the build's chunks are flushed in one batch
 * before its manifest is written (`storeBuild`), or at the end of an ingest, instead of an fsync wait per chunk.
 */
const CONCURRENT_PUTS = 4;

/**
 * Writes one file's contents into the content-addressed store, chunk by chunk as they arrive: a chunk the store
 * already has (`stat`) is not put again. Each chunk is joined into one of a few reused buffers (`ChunkBuffers`),
 * hashed and put from there, which lets go of the pieces it came in at once (WebCrypto's digest on the thread pool
 * was tried here: its per-call cost on this thread was about the hash's own). Memory stays at a few chunks.
 */
export async function writeContents(
  blobs: BlobStore,
  contents: AsyncIterable<Uint8Array>,
  chunking: ChunkingOptions,
  buffers: ChunkBuffers = new ChunkBuffers(chunking.maxSize),
): Promise<WrittenContents> {
  const whole = createHash('sha256');
  const chunks: ChunkRef[] = [];
  const inFlight: Promise<void>[] = [];
  let size = 0;
  let newBytes = 0;
  const store = async (key: string, chunk: Buffer) => {
    try {
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
      whole.update(chunk);
      const hash = createHash('sha256').update(chunk).digest('hex');
      chunks.push({ hash, size: length });
      inFlight.push(store(chunkKey(hash), chunk));
      // Oldest first: a failed put surfaces here and stops the file.
      if (inFlight.length >= CONCURRENT_PUTS) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } finally {
    // Puts still running when the file failed: observed, so that none ends as an unhandled rejection.
    for (const put of inFlight) put.catch(() => undefined);
  }
  return { sha256: whole.digest('hex'), size, chunks, newBytes };
}
