import { randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, mkdirSync, realpathSync, type WriteStream } from 'node:fs';
import { link, lstat, mkdir, open, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidBlobKey, assertValidBlobPrefix } from '../../key/blob-key';
import { BlobSizeMismatch } from '../../port/blob-size-mismatch.error';
import { forEachConcurrently } from '../../concurrency/for-each-concurrently';
import { BlobNotFound, isBufferBody, type BlobBody, type BlobInfo, type BlobStore, type PutOptions } from '../../port/blob-store.port';
import { assertValidBlobRange, type BlobRange } from '../../range/blob-range';
import { assertRealPathInside, isMissing, lexicalPath } from './contained-path';
import { walkInKeyOrder } from './key-ordered-walk';
import { writevFully } from './writev-fully';
import { isAlignedForDirectIo } from '../../direct-io/aligned-memory';
import { isDirectIoRefused, openMaybeDirect, writeDirect } from '../../direct-io/direct-file';
import { flushFilesystemOf, type FilesystemFlush } from './filesystem-flush';

/**
 * Two keys that a filesystem cannot hold together although S3 can: `a` and `a/b` (a file cannot also be a directory).
 */
export class BlobKeyConflict extends Error {
  readonly code = 'BLOB_KEY_CONFLICT';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`blob ${key} cannot be stored: a parent of it is an object, or it is the parent of objects`, options);
    this.name = 'BlobKeyConflict';
  }
}

/**
 * Blobs as files under `<rootDir>/objects/<key>`. A `put` streams into `<rootDir>/incoming/` (same filesystem, so the
 * final `rename` is atomic), fsyncs, then renames into place: readers see the old object or the new one, never part
 * of one, and a crash leaves at worst a stray file in `incoming/`, never a truncated object. Memory stays bounded
 * whatever the object's size: bytes only ever stream through.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly rootDir: string;
  private readonly objectsDir: string;
  private readonly incomingDir: string;

  /**
   * @param flushFilesystem how `sync` flushes many objects at once (`flushFilesystemOf`: Linux's `syncfs`; tests
   *   stand in for it), or null to flush them file by file (`HANGAR_BLOB_FLUSH=files`).
   */
  constructor(
    rootDir: string,
    private readonly flushFilesystem: FilesystemFlush | null = flushFilesystemOf,
  ) {
    this.rootDir = resolve(rootDir);
    mkdirSync(join(this.rootDir, 'objects'), { recursive: true });
    mkdirSync(join(this.rootDir, 'incoming'), { recursive: true });
    // Real paths, so that the symbolic-link checks compare like with like (e.g. a root under a linked /tmp).
    this.objectsDir = realpathSync(join(this.rootDir, 'objects'));
    this.incomingDir = realpathSync(join(this.rootDir, 'incoming'));
  }

  async put(key: string, body: BlobBody, options: PutOptions = {}): Promise<BlobInfo> {
    let temporary: string | undefined;
    const opened: { file?: WriteStream } = {};
    const durable = options.durable ?? true;
    try {
      const target = this.pathOf(key);
      temporary = join(this.incomingDir, `${randomUUID()}.partial`);
      const size = isBufferBody(body)
        ? await writeBuffers(temporary, Buffer.isBuffer(body) ? [body] : body, durable)
        : await writeStream(temporary, body, durable, (file) => (opened.file = file));
      if (options.size !== undefined && size !== options.size) throw new BlobSizeMismatch(key, options.size, size);
      await this.moveIntoPlace(temporary, target, key, durable);
      temporary = undefined;
      return { key, size };
    } catch (error) {
      // The body is ours once handed over: a caller's file stream must not stay open because we refused the key.
      if (!isBufferBody(body)) body.destroy();
      // A body that fails at once can beat the file's open: removing before it closes would leave the file behind.
      const file = opened.file;
      if (file && !file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      if (temporary) await rm(temporary, { force: true });
      throw error;
    }
  }

  async putFile(key: string, path: string, options: { size?: number; contentType?: string } = {}): Promise<BlobInfo> {
    const target = this.pathOf(key);
    const handle = await open(path, 'r+');
    let size: number;
    try {
      size = (await handle.stat()).size;
      if (options.size !== undefined && size !== options.size) throw new BlobSizeMismatch(key, options.size, size);
      // The same guarantee as put: the bytes are on disk before the rename publishes them.
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await this.moveIntoPlace(path, target, key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // Another filesystem: copy like any put, then let go of the file.
      await this.put(key, createReadStream(path, { highWaterMark: 1024 * 1024 }), { size });
      await rm(path, { force: true });
    }
    return { key, size };
  }

  async linkFile(key: string, path: string): Promise<BlobInfo | null> {
    const target = this.pathOf(key);
    // Linked straight into place: a link is made whole or not at all, so a reader never sees a half-made object, and
    // one that cannot be made (another filesystem, a filesystem without hard links) stores nothing. One change to
    // the store's directories instead of two (a link beside the temporaries, then a rename): a build's hundreds of
    // small files are linked in as their chunks' objects on the ingest's critical path.
    try {
      if (await this.linkIntoPlace(path, target, key)) return { key, size: (await stat(target)).size };
    } catch (error) {
      if (LINK_REFUSALS.has((error as NodeJS.ErrnoException).code ?? '')) return null;
      throw error;
    }
    // Something is there already: replaced as a put replaces it, through a link beside the temporaries renamed over it.
    const temporary = join(this.incomingDir, `${randomUUID()}.link`);
    try {
      await link(path, temporary);
    } catch (error) {
      if (LINK_REFUSALS.has((error as NodeJS.ErrnoException).code ?? '')) return null;
      throw error;
    }
    try {
      const { size } = await stat(temporary);
      await this.moveIntoPlace(temporary, target, key, false);
      return { key, size };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: BlobRange): Promise<Readable> {
    const path = this.pathOf(key);
    if (range) assertValidBlobRange(range);
    await assertRealPathInside(this.objectsDir, path, key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') throw new BlobNotFound(key);
      throw error;
    }
    // Reading through the opened handle keeps serving the object it opened even if a `put` replaces it meanwhile.
    const isFile = (await handle.stat()).isFile();
    if (!isFile || (range && range.end === range.start)) {
      await handle.close();
      if (!isFile) throw new BlobNotFound(key);
      return Readable.from([]);
    }
    // 1 MiB reads: the default 64 KiB costs a multi-GB read twice the time.
    const chunking = { highWaterMark: 1024 * 1024 };
    return handle.createReadStream(range ? { ...chunking, start: range.start, end: range.end - 1 } : chunking);
  }

  async sync(keys: Iterable<string>): Promise<void> {
    const paths = [...new Set(keys)].map((key) => ({ key, path: this.pathOf(key) }));
    if (this.flushFilesystem && paths.length >= FILESYSTEM_FLUSH_FROM) {
      // Many objects (a build's chunks): each is checked to be there, then one flush of the whole filesystem makes
      // them all durable, directories included, instead of a flush per file.
      await forEachConcurrently(paths, SYNC_CONCURRENCY, async ({ key }) => {
        if (!(await this.stat(key))) throw new BlobNotFound(key);
      });
      if (await this.flushFilesystem(this.objectsDir)) return;
    }
    // Several flushes in flight: the disk merges them, where one at a time would wait out each one's latency.
    const directories = new Set(paths.map(({ path }) => dirname(path)));
    await forEachConcurrently(paths, SYNC_CONCURRENCY, async ({ key, path }) => {
      await assertRealPathInside(this.objectsDir, path, key);
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFound(key);
        throw error;
      }
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    for (const directory of directories) await fsyncDirectory(directory);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const path = this.pathOf(key);
    // An absent object is answered without resolving its path (a miss is the usual answer when chunks are put, and
    // says nothing about what lies outside the store); a present one is checked before its size is told.
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    await assertRealPathInside(this.objectsDir, path, key);
    return info.isFile() ? { key, size: info.size } : null;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await assertRealPathInside(this.objectsDir, dirname(path), key);
    try {
      await unlink(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A directory is not an object: `a` is absent when only `a/b` is stored.
      if (isMissing(error) || code === 'EISDIR' || code === 'EPERM') return;
      throw error;
    }
    await this.removeEmptyParents(dirname(path));
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertValidBlobPrefix(prefix);
    const directoryKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const partialName = prefix.slice(directoryKey.length);
    const directory = directoryKey ? lexicalPath(this.objectsDir, directoryKey.slice(0, -1)) : this.objectsDir;
    await assertRealPathInside(this.objectsDir, directory, prefix);
    for await (const file of walkInKeyOrder(directory, directoryKey, partialName)) {
      try {
        yield { key: file.key, size: (await lstat(file.path)).size };
      } catch (error) {
        if (!isMissing(error)) throw error; // deleted while we walked: no longer part of the listing
      }
    }
  }

  localPath(key: string): string | null {
    return this.pathOf(key);
  }

  async close(): Promise<void> {
    // Nothing held open between calls: every stream owns its file handle.
  }

  private pathOf(key: string): string {
    assertValidBlobKey(key);
    return lexicalPath(this.objectsDir, key);
  }

  private async moveIntoPlace(temporary: string, target: string, key: string, durable = true): Promise<void> {
    const directory = dirname(target);
    // A concurrent `delete` may prune the directory between our mkdir and rename: make it again and retry.
    for (let attempt = 1; ; attempt++) {
      await this.makeParent(directory, key);
      try {
        await rename(temporary, target);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') throw new BlobKeyConflict(key, { cause: error });
        if (code === 'ENOENT' && attempt < 5) continue;
        if (code === 'ENOTDIR') throw new BlobKeyConflict(key, { cause: error });
        throw error;
      }
    }
    if (durable) await fsyncDirectory(directory);
  }

  /** Links `path` in at `target`, as `moveIntoPlace` renames; false when something is at `target` already. */
  private async linkIntoPlace(path: string, target: string, key: string): Promise<boolean> {
    const directory = dirname(target);
    for (let attempt = 1; ; attempt++) {
      await this.makeParent(directory, key);
      try {
        await link(path, target);
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return false;
        if (code === 'ENOENT' && attempt < 5) continue;
        if (code === 'ENOTDIR') throw new BlobKeyConflict(key, { cause: error });
        throw error;
      }
    }
  }

  /** The directory an object goes into, made where missing, and checked to lie inside the store. */
  private async makeParent(directory: string, key: string): Promise<void> {
    await assertRealPathInside(this.objectsDir, directory, key);
    try {
      await mkdir(directory, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') throw new BlobKeyConflict(key, { cause: error });
      throw error;
    }
  }

  private async removeEmptyParents(directory: string): Promise<void> {
    // Keeps `objects/` from filling with empty build directories; stops at the first non-empty one.
    for (let current = directory; current !== this.objectsDir && current.startsWith(this.objectsDir); current = dirname(current)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
    }
  }
}

/**
 * Bytes in hand go to the file with `writev` (one call for a chunk's many slices, no stream machinery). `durable`:
 * fsync before close, so that the rename that follows never publishes a file whose bytes are not on disk.
 */
async function writeBuffers(path: string, buffers: readonly Buffer[], durable: boolean): Promise<number> {
  if (buffers.length === 1 && isAlignedForDirectIo(buffers[0])) {
    const size = await writeAlignedBuffer(path, buffers[0], durable);
    if (size !== null) return size;
  }
  const handle = await open(path, 'wx', 0o644);
  try {
    const size = await writevFully(handle, buffers);
    if (durable) await handle.sync();
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * One buffer of aligned memory (a chunk joined into a `ChunkRing`) goes to the disk with direct I/O: no page-cache copy
 * (see `direct-file.ts`). Null when the filesystem refuses direct I/O: the caller writes it the plain way.
 */
async function writeAlignedBuffer(path: string, bytes: Buffer, durable: boolean): Promise<number | null> {
  const { handle, direct } = await openMaybeDirect(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  let refused = !direct;
  try {
    if (refused) return null;
    await writeDirect(handle, bytes, 0);
    await handle.truncate(bytes.length);
    if (durable) await handle.sync();
    return bytes.length;
  } catch (error) {
    if (!isDirectIoRefused(error)) throw error;
    refused = true;
    return null;
  } finally {
    await handle.close();
    if (refused) await rm(path, { force: true });
  }
}

/** A stream goes through a write stream (`flush`: fsync before close when `durable`). */
async function writeStream(path: string, body: Readable, durable: boolean, opened: (file: WriteStream) => void): Promise<number> {
  const file = createWriteStream(path, { flags: 'wx', mode: 0o644, flush: durable });
  opened(file);
  await pipeline(body, file);
  return file.bytesWritten;
}

/**
 * Why `link` may refuse where a copy would do: another filesystem (EXDEV), one without hard links (EPERM, ENOTSUP,
 * e.g. some network and FUSE mounts), or a file already linked as often as the filesystem allows (EMLINK).
 */
const LINK_REFUSALS = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

/** Files flushed at once by `sync`. */
const SYNC_CONCURRENCY = 16;
/**
 * From this many objects on, `sync` flushes the whole filesystem once (`flushFilesystemOf`) instead of each file: a
 * flush per file is a metadata write and a device flush each, where starting `sync -f` costs a few milliseconds.
 */
const FILESYSTEM_FLUSH_FROM = 32;

/** Make the rename itself durable: the new directory entry is on disk once this returns. */
async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
