import { createHash } from 'node:crypto';
import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { chunkStream } from '../chunking/content-defined-chunker';
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
 * Writes one file's contents into the content-addressed store, chunk by chunk as they arrive: a chunk the store
 * already has (`stat`) is not put again. Memory stays at one chunk plus the chunker's buffer.
 */
export async function writeContents(blobs: BlobStore, contents: AsyncIterable<Uint8Array>, chunking: ChunkingOptions): Promise<WrittenContents> {
  const whole = createHash('sha256');
  const chunks: ChunkRef[] = [];
  let size = 0;
  let newBytes = 0;
  for await (const chunk of chunkStream(contents, chunking)) {
    whole.update(chunk);
    size += chunk.length;
    const hash = createHash('sha256').update(chunk).digest('hex');
    chunks.push({ hash, size: chunk.length });
    const key = chunkKey(hash);
    if (await blobs.stat(key)) continue;
    await blobs.put(key, chunk, { size: chunk.length });
    newBytes += chunk.length;
  }
  return { sha256: whole.digest('hex'), size, chunks, newBytes };
}
