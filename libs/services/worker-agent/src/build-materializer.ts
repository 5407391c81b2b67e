import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { crc32 } from '@hangar/archive';
import type { BuildManifest, BuildManifestFile } from '@hangar/contracts';
import { AlignedFileWriter, SlabPool, forEachConcurrently, type BlobStore } from '@hangar/blob-store';
import { ExtractedFiles, chunkListKey, extractionDir, readManifest } from '@hangar/chunk-store';
import { indexLocalChunks, pathInside } from './chunk-sources';
import { ChunkQueue, READ_AHEAD_BYTES, type MaterializationFigures } from './chunk-queue';
import { ChunkRing } from '@hangar/chunk-store';
import { evictLeastRecentlyUsed, removeBuildFolder } from './build-eviction';
import { LocalBuilds } from './local-builds';
import { FolderMaker } from './folder-maker';

export class MaterializationFailed extends Error {
  readonly code = 'MATERIALIZATION_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'MaterializationFailed';
  }
}

export interface MaterializerOptions {
  /** Bytes of build folders kept; older ones beyond it are evicted (least recently distributed first). */
  cacheBytes?: number;
  now?: () => Date;
  /**
   * Where the downloader extracts builds' files on this filesystem (local extraction, `HANGAR_LOCAL_EXTRACTION`):
   * a file there with a manifest file's exact chunks is moved into place instead of being made from the chunks.
   */
  extractionRoot?: string | null;
}

/** What one materialisation took from where, and what it adopted from the downloader's extraction. */
export interface MaterializationRecord extends MaterializationFigures {
  /** Files moved into place from the extraction (not read or written again), and their bytes. */
  adoptedFiles: number;
  adoptedBytes: number;
}

/** Extracted folders older than this are left-overs (a build never distributed here): the next start removes them. */
const STALE_EXTRACTION_MS = 24 * 3600_000;

/** Extracted files moved into place at once. */
const ADOPTIONS_AT_ONCE = 16;

/** Bytes per direct write of a build's file (in slabs of this size, one being written while the next fills). */
const FILE_SLAB_BYTES = 4 * 1024 * 1024;

/**
 * Puts a build's files on this machine, under `<root>/builds/<uploadId>`. Each chunk is taken from a folder here that
 * holds it (an earlier build's, or a file of this build already written: copied locally) or else from the store,
 * checked against its SHA-256 either way (`ChunkQueue`, which reads a few ahead), and each file is written front to
 * back with direct I/O (`AlignedFileWriter`: no page-cache copy of a build's GiBs), in a hidden partial folder that is renamed into place only when complete: a live folder is never half written, and a
 * crash leaves only a partial folder that the next attempt discards. The build folders are the worker's cache:
 * beyond `cacheBytes` the least recently distributed ones go, never a project's newest here nor one being made.
 */
export class BuildMaterializer {
  /** Slabs through which files are written, and rings chunks are read into: one of each per build being made. */
  private readonly slabs = new SlabPool(FILE_SLAB_BYTES);
  private readonly freeRings: ChunkRing[] = [];
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

  /** Removes what earlier runs left: extracted files that no distribution took within a day. */
  async start(): Promise<void> {
    const root = this.options.extractionRoot;
    if (root) await ExtractedFiles.discardOlderThan(root, new Date(this.now().getTime() - STALE_EXTRACTION_MS));
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
        // What the extraction held that this build did not take (or a second worker's share) goes with it.
        if (this.options.extractionRoot) await ExtractedFiles.discard(extractionDir(this.options.extractionRoot, manifest.uploadId));
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

  private async assemble(manifest: BuildManifest, target: string): Promise<MaterializationRecord> {
    const buildsDir = join(this.root, 'builds');
    const partial = join(buildsDir, `.partial-${manifest.uploadId}-${randomBytes(4).toString('hex')}`);
    await mkdir(partial, { recursive: true });
    const slabs = this.slabs.take();
    const ring = this.freeRings.pop() ?? new ChunkRing(READ_AHEAD_BYTES);
    let chunks: ChunkQueue | null = null;
    try {
      const local = indexLocalChunks(buildsDir, (await this.builds.list()).filter((r) => r.uploadId !== manifest.uploadId));
      const files = manifest.files.map((file) => {
        const path = pathInside(partial, file.path);
        if (!path) throw new MaterializationFailed(`manifest path escapes the build folder: ${file.path}`);
        const declared = file.chunks?.reduce((sum, c) => sum + c.size, 0);
        if (declared !== undefined && declared !== file.size) {
          throw new MaterializationFailed(`${file.path}: its chunks add up to ${declared} bytes, the manifest says ${file.size}`);
        }
        return { file, path };
      });
      const folders = new FolderMaker();
      const adopted = await this.adoptExtracted(manifest.uploadId, files, folders);
      const toMake = files.filter(({ file }) => !adopted.has(file));
      chunks = new ChunkQueue(manifest.uploadId, toMake.flatMap(({ file }) => file.chunks ?? []), this.blobs, local, ring);
      for (const { file, path } of files) if (adopted.has(file)) chunks.written(file.chunks ?? [], path);
      chunks.start();
      for (const { file, path } of toMake) {
        await folders.make(dirname(path));
        if (!file.chunks) {
          await this.copyWholeObject(path, file);
          continue;
        }
        // Front to back through aligned slabs, with direct I/O: the bytes go to the disk without passing through
        // fresh page-cache pages (see AlignedFileWriter); the chunks arrive in order, several read ahead.
        const writer = await AlignedFileWriter.create(path, slabs);
        try {
          for (let left = file.chunks.length; left > 0; left--) await writer.append(await chunks.next());
          await writer.close();
          chunks.written(file.chunks, path);
        } catch (error) {
          await writer.abort();
          throw error;
        }
      }
      // The record first: a folder in place always has one, so its chunks serve later builds and it can be evicted.
      await this.builds.save(manifest, this.now());
      await rename(partial, target);
      return { ...chunks.figures, adoptedFiles: adopted.size, adoptedBytes: [...adopted].reduce((sum, file) => sum + file.size, 0) };
    } catch (error) {
      // Reads still under way are waited for before the folder goes.
      await chunks?.stop();
      await rm(partial, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      // Another delivery of the same build finished first: its folder is as good as ours.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return { uploadId: manifest.uploadId, fetchedChunks: 0, fetchedBytes: 0, copiedChunks: 0, copiedBytes: 0, adoptedFiles: 0, adoptedBytes: 0 };
      throw error;
    } finally {
      this.slabs.give(slabs);
      ring.clear();
      this.freeRings.push(ring);
    }
  }

  /**
   * Moves into the partial folder each file the downloader extracted with exactly the manifest file's chunks (local
   * extraction): those bytes were written from the very buffers that were hashed into the chunks' addresses, so they
   * are the chunks. One not there (not extracted, taken by another worker, a failed write) is made from the chunks.
   */
  private async adoptExtracted(uploadId: string, files: readonly { file: BuildManifestFile; path: string }[], folders: FolderMaker): Promise<Set<BuildManifestFile>> {
    const adopted = new Set<BuildManifestFile>();
    const root = this.options.extractionRoot;
    if (!root) return adopted;
    const dir = extractionDir(root, uploadId);
    // Several at once: one at a time, a build's hundreds of small files each waited out two calls through libuv's pool.
    await forEachConcurrently(files, ADOPTIONS_AT_ONCE, async ({ file, path }) => {
      if (!file.chunks?.length) return;
      await folders.make(dirname(path));
      const moved = await rename(join(dir, chunkListKey(file.chunks)), path).then(
        () => true,
        () => false,
      );
      if (moved) adopted.add(file);
    });
    return adopted;
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
