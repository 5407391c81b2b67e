import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import type { BuildManifest } from '@hangar/contracts';
import type { BlobStore } from '@hangar/blob-store';

export class MaterializationFailed extends Error {
  readonly code = 'MATERIALIZATION_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'MaterializationFailed';
  }
}

/**
 * Puts a build's files on this machine, under `<root>/builds/<uploadId>`. Files are written into a hidden partial
 * folder and verified (size and CRC-32 from the manifest), and only then renamed into place: a live folder is never
 * half written, and a crash leaves only a partial folder that the next attempt discards.
 */
export class BuildMaterializer {
  constructor(
    private readonly blobs: BlobStore,
    private readonly root: string,
  ) {}

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
    const manifest = JSON.parse((await streamToBuffer(await this.blobs.get(manifestKey))).toString('utf8')) as BuildManifest;
    const target = this.buildDir(manifest.uploadId);
    if (await this.isMaterialized(manifest.uploadId)) return target;
    const partial = join(this.root, 'builds', `.partial-${manifest.uploadId}-${randomBytes(4).toString('hex')}`);
    await mkdir(partial, { recursive: true });
    try {
      for (const file of manifest.files) await this.writeFile(partial, file);
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') return target;
      throw error;
    }
    return target;
  }

  private async writeFile(dir: string, file: BuildManifest['files'][number]): Promise<void> {
    const path = resolve(dir, file.path);
    if (!path.startsWith(resolve(dir) + sep)) throw new MaterializationFailed(`manifest path escapes the build folder: ${file.path}`);
    await mkdir(dirname(path), { recursive: true });
    let size = 0;
    let crc = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        crc = crc32(chunk, crc);
        done(null, chunk);
      },
    });
    await pipeline(await this.blobs.get(file.blobKey), verify, createWriteStream(path));
    if (size !== file.size || crc >>> 0 !== file.crc32 >>> 0) {
      throw new MaterializationFailed(`${file.path}: got ${size} bytes with CRC ${crc >>> 0}, manifest says ${file.size} bytes with CRC ${file.crc32 >>> 0}`);
    }
  }
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
