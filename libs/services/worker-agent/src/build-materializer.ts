import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import type { BuildManifest, BuildManifestFile } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';
import { readManifest } from '@hangar/chunk-store';
import { ChunkCache } from './chunk-cache';

export class MaterializationFailed extends Error {
  readonly code = 'MATERIALIZATION_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'MaterializationFailed';
  }
}

/**
 * Puts a build's files on this machine, under `<root>/builds/<uploadId>`. The chunks the local cache lacks are
 * fetched (each checked against its SHA-256); files are assembled from the cache into a hidden partial folder and
 * verified (size, CRC-32 and SHA-256 from the manifest), and only then renamed into place: a live folder is never
 * half written, and a crash leaves only a partial folder that the next attempt discards.
 */
export class BuildMaterializer {
  readonly chunks: ChunkCache;
  /** Chunks fetched from the store by the last `materialize` (the rest came from the cache). */
  lastFetchedChunks = 0;

  constructor(
    private readonly blobs: BlobStore,
    private readonly root: string,
  ) {
    this.chunks = new ChunkCache(blobs, root);
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
    if (await this.isMaterialized(manifest.uploadId)) return target;
    const partial = join(this.root, 'builds', `.partial-${manifest.uploadId}-${randomBytes(4).toString('hex')}`);
    await mkdir(partial, { recursive: true });
    try {
      this.lastFetchedChunks = await this.chunks.fill(manifest.files.flatMap((file) => file.chunks ?? []));
      for (const file of manifest.files) await this.writeFile(partial, file);
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') return target;
      throw error;
    }
    return target;
  }

  private async writeFile(dir: string, file: BuildManifestFile): Promise<void> {
    const path = resolve(dir, file.path);
    if (!path.startsWith(resolve(dir) + sep)) throw new MaterializationFailed(`manifest path escapes the build folder: ${file.path}`);
    await mkdir(dirname(path), { recursive: true });
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
    await pipeline(await this.contentsOf(file), verify, createWriteStream(path));
    const digest = sha256.digest('hex');
    if (size !== file.size || crc >>> 0 !== file.crc32 >>> 0 || (file.sha256 !== undefined && digest !== file.sha256)) {
      throw new MaterializationFailed(`${file.path}: got ${size} bytes with CRC ${crc >>> 0}, manifest says ${file.size} bytes with CRC ${file.crc32 >>> 0}`);
    }
  }

  /** A chunked file is its cached chunks in order; a file stored before chunking is one object in the store. */
  private async contentsOf(file: BuildManifestFile): Promise<Readable> {
    if (file.chunks) {
      const paths = file.chunks.map((chunk) => this.chunks.pathOf(chunk.hash));
      return Readable.from(
        (async function* () {
          for (const path of paths) yield* createReadStream(path);
        })(),
      );
    }
    if (!file.blobKey) throw new MaterializationFailed(`${file.path}: the manifest gives neither chunks nor an object`);
    return this.blobs.get(file.blobKey);
  }
}
