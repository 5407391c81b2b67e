import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { BuildManifest, BuildManifestFile, ChunkRef } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { readManifest } from '@hangar/chunk-store';
import { ChunkBuffer, fetchChunk, indexLocalChunks, pathInside, readLocalChunk } from './chunk-sources';
import { evictLeastRecentlyUsed, removeBuildFolder } from './build-eviction';
import { LocalBuilds } from './local-builds';

export class MaterializationFailed extends Error {
  readonly code = 'MATERIALIZATION_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'MaterializationFailed';
  }
}

/** What one materialisation took from where: the store (fetched) or earlier build folders here (copied). */
export interface MaterializationFigures {
  uploadId: string;
  fetchedChunks: number;
  fetchedBytes: number;
  copiedChunks: number;
  copiedBytes: number;
}

export interface MaterializerOptions {
  /** Bytes of build folders kept; older ones beyond it are evicted (least recently distributed first). */
  cacheBytes?: number;
  now?: () => Date;
}

/**
 * Chunks in flight at once: enough to hide the store's latency and keep the disk busy, few enough to bound memory
 * (at most this many chunks of up to 4 × the average size are held).
 */
const CHUNK_CONCURRENCY = 4;

/** Where one chunk goes: a file of the partial folder, at an offset. */
interface Placement {
  path: string;
  offset: number;
}

/**
 * Puts a build's files on this machine, under `<root>/builds/<uploadId>`. Each distinct chunk is taken once, from an
 * earlier build folder here when one holds it (copied locally) or else from the store, checked against its SHA-256
 * either way, and written straight to its places in the files (positional writes, several chunks at once), in a
 * hidden partial folder that is renamed into place only when complete: a live folder is never half written, and a
 * crash leaves only a partial folder that the next attempt discards. The build folders are the worker's cache:
 * beyond `cacheBytes` the least recently distributed ones go, never a project's newest here nor one being made.
 */
export class BuildMaterializer {
  /** Chunks fetched from the store by the last `materialize` (the rest were copied locally). */
  lastFetchedChunks = 0;
  private readonly builds: LocalBuilds;
  private readonly inUse = new Set<string>();
  private readonly now: () => Date;

  constructor(
    private readonly blobs: BlobStore,
    private readonly root: string,
    private readonly options: MaterializerOptions = {},
  ) {
    this.builds = new LocalBuilds(root);
    this.now = options.now ?? (() => new Date());
  }

  buildDir(uploadId: string): string {
    return join(this.root, 'builds', uploadId);
  }

  async isMaterialized(uploadId: string): Promise<boolean> {
    return stat(this.buildDir(uploadId)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  async materialize(manifestKey: string): Promise<string> {
    const manifest: BuildManifest = await readManifest(this.blobs, manifestKey);
    const target = this.buildDir(manifest.uploadId);
    this.inUse.add(manifest.uploadId);
    try {
      if (await this.isMaterialized(manifest.uploadId)) {
        // Present already (a rollback): nothing moves, it only becomes the most recently used.
        this.lastFetchedChunks = 0;
        await this.builds.save(manifest, this.now());
      } else {
        const figures = await this.assemble(manifest, target);
        this.lastFetchedChunks = figures.fetchedChunks;
        await appendFile(join(this.root, 'materializations.jsonl'), `${JSON.stringify({ ...figures, at: this.now().toISOString() })}\n`);
      }
      if (this.options.cacheBytes !== undefined) {
        await evictLeastRecentlyUsed(this.root, this.builds, this.options.cacheBytes, this.inUse);
      }
    } finally {
      this.inUse.delete(manifest.uploadId);
    }
    return target;
  }

  /**
   * The build was deleted: its folder goes from this machine (a deleted build is never live, so nothing serves it).
   * Not while a distribution is making it here: that one ends, and the folder goes at the next eviction pass.
   */
  async forget(uploadId: string): Promise<boolean> {
    if (this.inUse.has(uploadId)) return false;
    await removeBuildFolder(this.root, this.builds, uploadId);
    return true;
  }

  private async assemble(manifest: BuildManifest, target: string): Promise<MaterializationFigures> {
    const buildsDir = join(this.root, 'builds');
    const partial = join(buildsDir, `.partial-${manifest.uploadId}-${randomBytes(4).toString('hex')}`);
    await mkdir(partial, { recursive: true });
    try {
      const local = indexLocalChunks(buildsDir, (await this.builds.list()).filter((r) => r.uploadId !== manifest.uploadId));
      const placements = new Map<string, { chunk: ChunkRef; places: Placement[] }>();
      for (const file of manifest.files) {
        const path = pathInside(partial, file.path);
        if (!path) throw new MaterializationFailed(`manifest path escapes the build folder: ${file.path}`);
        await mkdir(dirname(path), { recursive: true });
        if (!file.chunks) {
          await this.copyWholeObject(path, file);
          continue;
        }
        const declared = file.chunks.reduce((sum, c) => sum + c.size, 0);
        if (declared !== file.size) throw new MaterializationFailed(`${file.path}: its chunks add up to ${declared} bytes, the manifest says ${file.size}`);
        // Created at its full size up front, so that chunks can land in any order.
        const handle = await open(path, 'w');
        await handle.truncate(file.size).finally(() => handle.close());
        let offset = 0;
        for (const chunk of file.chunks) {
          const entry = placements.get(chunk.hash) ?? { chunk, places: [] };
          entry.places.push({ path, offset });
          placements.set(chunk.hash, entry);
          offset += chunk.size;
        }
      }
      const figures: MaterializationFigures = { uploadId: manifest.uploadId, fetchedChunks: 0, fetchedBytes: 0, copiedChunks: 0, copiedBytes: 0 };
      const work = [...placements.values()];
      const files = new OpenFiles();
      let next = 0;
      let failed = false;
      const worker = async () => {
        // Reused for every chunk this worker takes: its writes finish before the next chunk is read into it.
        const buffer = new ChunkBuffer();
        while (next < work.length && !failed) {
          const { chunk, places } = work[next++];
          const nearby = local.get(chunk.hash);
          let bytes = nearby ? await readLocalChunk(nearby, chunk, buffer) : null;
          if (bytes) {
            figures.copiedChunks++;
            figures.copiedBytes += bytes.length;
          } else {
            bytes = await fetchChunk(this.blobs, chunk, buffer);
            figures.fetchedChunks++;
            figures.fetchedBytes += bytes.length;
          }
          for (const place of places) await writeAt(await files.handle(place.path), place.offset, bytes);
        }
      };
      // Every worker is waited for, also after one failed (the others stop at their next chunk): a file opened by a
      // worker still running would otherwise be opened after the close below, and never closed.
      const outcomes = await Promise.allSettled(
        Array.from({ length: Math.min(CHUNK_CONCURRENCY, work.length) }, () =>
          worker().catch((error: unknown) => {
            failed = true;
            throw error;
          }),
        ),
      );
      await files.closeAll();
      const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failure) throw failure.reason;
      // The record first: a folder in place always has one, so its chunks serve later builds and it can be evicted.
      await this.builds.save(manifest, this.now());
      await rename(partial, target);
      return figures;
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      // Another delivery of the same build finished first: its folder is as good as ours.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return { uploadId: manifest.uploadId, fetchedChunks: 0, fetchedBytes: 0, copiedChunks: 0, copiedBytes: 0 };
      throw error;
    }
  }

  /** A file of a build stored before chunking: one object in the store, checked against the manifest's size and CRC. */
  private async copyWholeObject(path: string, file: BuildManifestFile): Promise<void> {
    if (!file.blobKey) throw new MaterializationFailed(`${file.path}: the manifest gives neither chunks nor an object`);
    let size = 0;
    let crc = 0;
    const sha256 = createHash('sha256');
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        crc = crc32(chunk, crc);
        sha256.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(await this.blobs.get(file.blobKey), verify, createWriteStream(path));
    const digest = sha256.digest('hex');
    if (size !== file.size || crc >>> 0 !== file.crc32 >>> 0 || (file.sha256 !== undefined && digest !== file.sha256)) {
      throw new MaterializationFailed(`${file.path}: got ${size} bytes with CRC ${crc >>> 0}, manifest says ${file.size} bytes with CRC ${file.crc32 >>> 0}`);
    }
  }
}

async function writeAt(handle: FileHandle, offset: number, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, offset + written);
    written += bytesWritten;
  }
}

/** The files of a build being made, each opened once for all its chunks' writes. */
class OpenFiles {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  handle(path: string): Promise<FileHandle> {
    let handle = this.handles.get(path);
    if (!handle) {
      handle = open(path, 'r+');
      this.handles.set(path, handle);
    }
    return handle;
  }

  async closeAll(): Promise<void> {
    for (const handle of this.handles.values()) await handle.then((h) => h.close(), () => undefined);
    this.handles.clear();
  }
}
