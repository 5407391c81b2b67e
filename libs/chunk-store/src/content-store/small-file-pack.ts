import { open, rm, type FileHandle } from 'node:fs/promises';
import type { BlobStore } from '@hangar/blob-store';
import { chunkListKey } from '../extraction/extracted-files';
import { packFile, type ChunkAt } from './chunk-packs';

/**
 * One pack that the new chunks of an ingest's small files (each one chunk, `isSingleChunk`) share: each is written
 * at the end of one file as it comes, several at once, and the file is linked into the store as a pack and its
 * chunks entered in the pack index when the ingest has read them all (`seal`). Why: a small file's chunk as an
 * object of its own was a link per file into `chunks/` beside the extracted copy, and then a flush of hundreds of
 * files' metadata; the bench's 1 GiB build has about 390 such files after its pak, on the critical path after the
 * last byte, where they took 0.22–0.37 s and the flush 0.04–0.06 s (2026-12-06). The file lies in the extraction
 * folder (on the store's filesystem: it can be linked in) under a name no entry has.
 */
export class SmallFilePack {
  /** New chunks by hash (a chunk two files share is written once), in the order of their offsets. */
  private readonly chunks = new Map<string, { chunk: ChunkAt; written: Promise<void> }>();
  private size = 0;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<SmallFilePack> {
    return new SmallFilePack(path, await open(path, 'w'));
  }

  /**
   * Writes `bytes`, the chunk `hash`, into the pack unless another file put it there already; settles once it is
   * written, with whether this call added it.
   */
  async add(hash: string, bytes: Buffer): Promise<boolean> {
    const known = this.chunks.get(hash);
    if (known) {
      await known.written;
      return false;
    }
    const chunk: ChunkAt = { hash, size: bytes.length, offset: this.size };
    this.size += bytes.length;
    const written = writeFully(this.handle, bytes, chunk.offset);
    this.chunks.set(hash, { chunk, written });
    await written;
    return true;
  }

  /**
   * The pack complete (every `add` settled): linked into the store and its chunks entered; returns the keys to make
   * durable (none when no chunk was new). Throws when the store cannot take it: its chunks are nowhere else.
   */
  async seal(blobs: BlobStore): Promise<string[]> {
    try {
      const failed = (await this.settleAndClose()).find((write) => write.status === 'rejected');
      if (failed) throw failed.reason;
      const chunks = [...this.chunks.values()].map((entry) => entry.chunk);
      if (chunks.length === 0) return [];
      const holders = await packFile(blobs, this.path, chunkListKey(chunks), chunks);
      if (!holders) throw new Error(`the small files' pack at ${this.path} could not be linked into the store`);
      return holders;
    } finally {
      // The store's name is the pack's now; this one would only be a stray file in the worker's extraction folder.
      await rm(this.path, { force: true });
    }
  }

  /** The ingest stopped: the pack goes. */
  async discard(): Promise<void> {
    await this.settleAndClose().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  /** Waits for every write, whatever its outcome, then closes the file (also after a failed write). */
  private async settleAndClose(): Promise<PromiseSettledResult<void>[]> {
    const writes = await Promise.allSettled([...this.chunks.values()].map((entry) => entry.written));
    await this.handle.close();
    return writes;
  }
}

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, position + at);
    at += bytesWritten;
  }
}
