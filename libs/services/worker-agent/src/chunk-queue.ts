import type { ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { fetchChunk, readLocalChunk, type LocalChunk } from './chunk-sources';
import type { ChunkRing } from '@hangar/chunk-store';

/** What one materialisation took from where: the store (fetched) or folders on this machine (copied). */
export interface MaterializationFigures {
  uploadId: string;
  fetchedChunks: number;
  fetchedBytes: number;
  copiedChunks: number;
  copiedBytes: number;
}

/**
 * Bytes of chunks read ahead of the one being written (the ring they are read into): about six chunks of the
 * default average size (2 MiB), enough to hide the store's latency and the hash checks behind the writes.
 */
export const READ_AHEAD_BYTES = 12 * 1024 * 1024;
/** Reads under way at once, at most, however small the chunks: each is a file open and a hash on the thread pool. */
const MAX_READS_AHEAD = 16;

/**
 * Chunks of a build in the order its files are written (file after file, each front to back), each read ahead of its
 * turn into the ring (as many as it holds) and checked against its SHA-256: taken from a folder on this machine that
 * holds it (an earlier build's, or a file of this build already written), or else fetched from the store.
 */
export class ChunkQueue {
  readonly figures: MaterializationFigures;
  private readonly order: ChunkRef[];
  private readonly reads: Promise<Buffer>[] = [];
  private started = 0;
  /** The buffer of the chunk handed out last: free once the caller asks for the next one. */
  private handedOut = false;

  /**
   * `local`: where chunks already lie on this machine, by hash (see `indexLocalChunks`); this build's files join it
   * as they are written. `ring`: where the chunks are read to, empty and not used elsewhere meanwhile.
   */
  constructor(
    uploadId: string,
    order: readonly ChunkRef[],
    private readonly blobs: BlobStore,
    private readonly local: Map<string, LocalChunk>,
    private readonly ring: ChunkRing,
  ) {
    if (ring.size !== 0) throw new RangeError('a chunk queue starts with an empty ring');
    this.order = [...order];
    this.figures = { uploadId, fetchedChunks: 0, fetchedBytes: 0, copiedChunks: 0, copiedBytes: 0 };
  }

  start(): void {
    this.readAhead();
  }

  /** The next chunk's bytes: a view that stays valid until the next call. */
  async next(): Promise<Buffer> {
    if (this.handedOut) {
      this.ring.release();
      this.handedOut = false;
    }
    this.readAhead();
    const read = this.reads.shift();
    if (!read) throw new Error('no chunk left to read');
    const bytes = await read;
    this.handedOut = true;
    return bytes;
  }

  /** A file of this build is written: its chunks can be copied from it into later files instead of fetched. */
  written(chunks: readonly ChunkRef[], path: string): void {
    let offset = 0;
    for (const chunk of chunks) {
      if (!this.local.has(chunk.hash)) this.local.set(chunk.hash, { path, offset });
      offset += chunk.size;
    }
  }

  /** Waits for the reads still under way (their buffers and files are let go). */
  async stop(): Promise<void> {
    this.started = this.order.length;
    await Promise.allSettled(this.reads);
  }

  /** Starts reading the next chunks, as many as the ring has room for. */
  private readAhead(): void {
    while (this.started < this.order.length && this.reads.length < MAX_READS_AHEAD) {
      const chunk = this.order[this.started];
      const into = this.ring.take(chunk.size);
      if (!into) return;
      this.started++;
      const read = this.read(chunk, into);
      // Awaited in turn by `next` or `stop`; marked handled so that a failure while it waits is not fatal.
      read.catch(() => undefined);
      this.reads.push(read);
    }
  }

  private async read(chunk: ChunkRef, into: Buffer): Promise<Buffer> {
    const nearby = this.local.get(chunk.hash);
    const copied = nearby ? await readLocalChunk(nearby, chunk, into) : null;
    if (copied) {
      this.figures.copiedChunks++;
      this.figures.copiedBytes += copied.length;
      return copied;
    }
    const fetched = await fetchChunk(this.blobs, chunk, into);
    this.figures.fetchedChunks++;
    this.figures.fetchedBytes += fetched.length;
    return fetched;
  }
}
