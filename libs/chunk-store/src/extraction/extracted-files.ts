import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkRef } from '@hangar/contracts';
import { AlignedFileWriter, alignedBuffer, type BlobStore } from '@hangar/blob-store';
import { packKey } from '../content-store/chunk-packs';

/**
 * The name of an extracted file: its chunk list, hashed. A file that a manifest lists with exactly these chunks has
 * exactly these bytes, whatever its path, so a worker finds what it may adopt by the manifest alone.
 */
export function chunkListKey(chunks: readonly ChunkRef[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(`${chunk.hash}:${chunk.size},`);
  return hash.digest('hex');
}

/**
 * Finishes a part file (`finish`: its last writes) and names it after its chunks, where a worker looks for it, and
 * says where that is; a part that could not be finished or named goes instead, and the answer is null (never throws:
 * the worker makes that file from the chunks).
 */
async function nameAfterChunks(dir: string, partPath: string, chunks: readonly ChunkRef[], finish: () => Promise<unknown>): Promise<string | null> {
  try {
    await finish();
    const path = join(dir, chunkListKey(chunks));
    await rename(partPath, path);
    return path;
  } catch {
    await rm(partPath, { force: true }).catch(() => undefined);
    return null;
  }
}

/** Whether `store` can link a file of `dir` in as an object: tried once with an empty file. */
async function linksIn(store: BlobStore, dir: string): Promise<boolean> {
  const probe = join(dir, `.link-probe-${randomUUID()}`);
  const key = packKey(`link-probe-${randomUUID()}`);
  await writeFile(probe, '');
  try {
    const linked = await store.linkFile(key, probe).catch(() => null);
    if (linked) await store.delete(key);
    return linked !== null;
  } finally {
    await rm(probe, { force: true });
  }
}

/** Where the files extracted from a build's zip lie, under a data folder both the downloader and the worker know. */
export const extractionDir = (root: string, uploadId: string) => join(root, uploadId);

/** Bytes per direct write of an extracted file. */
const SLAB_BYTES = 1024 * 1024;
/**
 * Slabs an extracted file is written through: three writes under way while the fourth fills. With two (one write at
 * a time) the ingest thread waited about 1.7 s per GiB for them, with the disk at a queue depth near one, where it
 * writes about 1.1 GB/s (1.75 GB/s with two or more queued); interleaved runs with four were about 0.2 s per GiB
 * faster (2026-12-04), and bigger slabs, one write at a time, were not.
 */
const SLABS = 4;

/**
 * One extracted file being written front to back from its chunks (a copy of the bytes the ingest already holds):
 * never fails the ingest. A write that fails (a full disk) leaves the file out; the worker then makes it from the
 * chunks as it would without extraction.
 */
export class ExtractedFileWriter {
  /** Null once the file is complete, aborted, or could not be written (then nothing more is written). */
  private writer: AlignedFileWriter | null;

  constructor(
    private readonly dir: string,
    private readonly partPath: string,
    writer: AlignedFileWriter | null,
    readonly packs: boolean,
  ) {
    this.writer = writer;
  }

  async append(bytes: Buffer): Promise<void> {
    await this.writer?.append(bytes).catch(() => this.abort());
  }

  /**
   * The file is whole: named after its chunks, where a worker looks for it. Where it now lies, or null when it could
   * not be written (it was left out).
   */
  async complete(chunks: readonly ChunkRef[]): Promise<string | null> {
    const writer = this.writer;
    this.writer = null;
    if (!writer) return null;
    return nameAfterChunks(this.dir, this.partPath, chunks, () => writer.close());
  }

  /** The entry was not read to its end (or a write failed): its part goes. */
  async abort(): Promise<void> {
    const writer = this.writer;
    this.writer = null;
    if (!writer) return;
    await writer.abort().catch(() => undefined);
    await rm(this.partPath, { force: true }).catch(() => undefined);
  }
}

/**
 * The files of a zip written out as the ingest reads them (`ingestStream`'s `extractTo`), each named by its chunk
 * list (`chunkListKey`): a worker agent on the same filesystem moves them into its build folder instead of reading
 * and writing every byte again once the build is stored. Whatever a worker does not take goes with the folder
 * (`discard`).
 */
export class ExtractedFiles {
  /** Taken when the first file is written: entries are written one after another, so one set serves them all. */
  private slabs: Buffer[] | null = null;

  private constructor(
    readonly dir: string,
    /** `store` links files of this folder in (its filesystem): the files are their chunks' packs (`packFile`). */
    readonly packs: boolean,
  ) {}

  /**
   * Starts the folder afresh: an ingest that starts over from the zip's first byte extracts everything again. With
   * `store`, finds out once whether it can link this folder's files in (a probe file linked and removed): where it
   * cannot (another filesystem, S3), chunks are put as they come, as they would be without a copy.
   */
  static async create(dir: string, store?: BlobStore): Promise<ExtractedFiles> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return new ExtractedFiles(dir, store ? await linksIn(store, dir) : false);
  }

  /** A writer for the entry at `offset` in the zip. */
  async open(offset: number): Promise<ExtractedFileWriter> {
    const partPath = join(this.dir, `${offset}.part`);
    this.slabs ??= Array.from({ length: SLABS }, () => alignedBuffer(SLAB_BYTES));
    try {
      return new ExtractedFileWriter(this.dir, partPath, await AlignedFileWriter.create(partPath, this.slabs), this.packs);
    } catch {
      return new ExtractedFileWriter(this.dir, partPath, null, this.packs);
    }
  }

  /**
   * The entry at `offset`, small enough to be held whole (one chunk or none, see `isSingleChunk`), written in one go
   * and named after its chunks, through the page cache (a few KiB need no direct I/O). Several may be under way at
   * once. Never fails: a file that could not be written is left out, as with `open`. Where the file now lies, or null.
   */
  async writeWhole(offset: number, chunks: readonly ChunkRef[], bytes: Buffer): Promise<string | null> {
    const partPath = join(this.dir, `${offset}.part`);
    return nameAfterChunks(this.dir, partPath, chunks, () => writeFile(partPath, bytes));
  }

  static async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes the folders under `root` (one per build) last changed before `cutoff`: left-overs no worker took. */
  static async discardOlderThan(root: string, cutoff: Date): Promise<void> {
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const dir = join(root, name);
      const modified = await stat(dir).then((s) => s.mtimeMs, () => Infinity);
      if (modified < cutoff.getTime()) await ExtractedFiles.discard(dir);
    }
  }
}
