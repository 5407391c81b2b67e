import type { BuildManifest, ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { ChunkBuffer, fetchChunk, readLocalChunk, type LocalChunk } from './chunk-sources';

/** What one materialisation took from where: the store (fetched) or folders on this machine (copied). */
export interface MaterializationFigures {
  uploadId: string;
  fetchedChunks: number;
  fetchedBytes: number;
  copiedChunks: number;
  copiedBytes: number;
}

/**
 * Chunks read ahead of the one being written: enough to hide the store's latency and the hash checks behind the
 * writes, few enough to bound memory (each holds a buffer of up to the largest chunk).
 */
export const READ_AHEAD = 6;

/**
 * A build's chunks in the order its files are written (file after file, each front to back), each read ahead of its
 * turn into a buffer of its own and checked against its SHA-256: taken from a folder on this machine that holds it
 * (an earlier build's, or a file of this build already written), or else fetched from the store.
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
   * as they are written. `buffers`: `READ_AHEAD + 1` of them (one holds the chunk being written), not used elsewhere
   * meanwhile.
   */
  constructor(
    manifest: BuildManifest,
    private readonly blobs: BlobStore,
    private readonly local: Map<string, LocalChunk>,
    private readonly buffers: readonly ChunkBuffer[],
  ) {
    if (buffers.length !== READ_AHEAD + 1) throw new RangeError(`a chunk queue reads into ${READ_AHEAD + 1} buffers`);
    this.order = manifest.files.flatMap((file) => file.chunks ?? []);
    this.figures = { uploadId: manifest.uploadId, fetchedChunks: 0, fetchedBytes: 0, copiedChunks: 0, copiedBytes: 0 };
  }

  start(): void {
    while (this.started < Math.min(READ_AHEAD, this.order.length)) this.readNext();
  }

  /** The next chunk's bytes: a view that stays valid until the next call. */
  async next(): Promise<Buffer> {
    if (this.handedOut && this.started < this.order.length) this.readNext();
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

  private readNext(): void {
    const index = this.started++;
    const read = this.read(this.order[index], this.buffers[index % this.buffers.length]);
    // Awaited in turn by `next` or `stop`; marked handled so that a failure while it waits is not fatal.
    read.catch(() => undefined);
    this.reads.push(read);
  }

  private async read(chunk: ChunkRef, buffer: ChunkBuffer): Promise<Buffer> {
    const nearby = this.local.get(chunk.hash);
    const copied = nearby ? await readLocalChunk(nearby, chunk, buffer) : null;
    if (copied) {
      this.figures.copiedChunks++;
      this.figures.copiedBytes += copied.length;
      return copied;
    }
    const fetched = await fetchChunk(this.blobs, chunk, buffer);
    this.figures.fetchedChunks++;
    this.figures.fetchedBytes += fetched.length;
    return fetched;
  }
}
