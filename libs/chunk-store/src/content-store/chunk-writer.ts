import { createHash } from 'node:crypto';
import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { chunkSlices } from '../chunking/content-defined-chunker';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { chunkKey } from './content-keys';

export interface WrittenContents {
  sha256: string;
  size: number;
  chunks: ChunkRef[];
  /** Bytes of the chunks this call put (the store lacked them). */
  newBytes: number;
}

/**
 * Puts in flight at once per file: one at a time leaves the disk idle between them (about a thousand puts per GiB of
 * new data). Puts are not durable one by one (`durable: false`): the build's chunks are flushed in one batch before
 * its manifest is written (`storeBuild`), instead of an fsync wait per chunk.
 */
const CONCURRENT_PUTS = 4;

/**
 * Writes one file's contents into the content-addressed store, chunk by chunk as they arrive: a chunk the store
 * already has (`stat`) is not put again. A chunk is the views of the pieces it spans, hashed and written as they are:
 * no byte is copied (fresh memory is the costliest thing a GiB can ask for). Memory stays at a few chunks.
 */
export async function writeContents(blobs: BlobStore, contents: AsyncIterable<Uint8Array>, chunking: ChunkingOptions): Promise<WrittenContents> {
  const whole = createHash('sha256');
  const chunks: ChunkRef[] = [];
  const inFlight: Promise<void>[] = [];
  let size = 0;
  let newBytes = 0;
  const store = async (key: string, slices: Buffer[], length: number) => {
    if (await blobs.stat(key)) return;
    await blobs.put(key, slices, { size: length, durable: false });
    newBytes += length;
  };
  try {
    for await (const slices of chunkSlices(contents, chunking)) {
      const hash = createHash('sha256');
      let length = 0;
      for (const slice of slices) {
        hash.update(slice);
        whole.update(slice);
        length += slice.length;
      }
      size += length;
      const digest = hash.digest('hex');
      chunks.push({ hash: digest, size: length });
      inFlight.push(store(chunkKey(digest), slices, length));
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
