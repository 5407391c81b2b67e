import { webcrypto } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import type { ChunkRef } from '@hangar/contracts';
import { BlobNotFound, readFileRange, readFileStart, type BlobStore } from '@hangar/blob-store';
import { chunkKey, readFromPack } from '@hangar/chunk-store';
import type { LocalBuildRecord } from './local-builds';

export class ChunkCorrupt extends Error {
  readonly code = 'CHUNK_CORRUPT';
  constructor(readonly hash: string, got: string) {
    super(`chunk ${hash} from the store hashes to ${got}`);
    this.name = 'ChunkCorrupt';
  }
}

/** Where a chunk already lies on this machine: a file of an earlier build folder, at an offset. */
export interface LocalChunk {
  path: string;
  offset: number;
}

/**
 * SHA-256 through WebCrypto: the digest runs on libuv's thread pool, not on the event loop, so that checking one
 * chunk overlaps with reading and writing the others (and the event loop stays free for the API).
 */
const sha256Of = async (bytes: Buffer) => Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');

/** Resolves a manifest path inside a folder; `null` for a path that would escape it. */
export function pathInside(dir: string, relative: string): string | null {
  const path = resolve(dir, relative);
  return path.startsWith(resolve(dir) + sep) ? path : null;
}

/**
 * Every chunk of the builds this worker holds, by hash: the earlier build folders are the worker's chunk cache, so a
 * build that shares most of its contents with one here copies those bytes locally and fetches only the rest.
 */
export function indexLocalChunks(buildsDir: string, records: readonly LocalBuildRecord[]): Map<string, LocalChunk> {
  const index = new Map<string, LocalChunk>();
  for (const record of records) {
    const folder = join(buildsDir, record.uploadId);
    for (const file of record.files) {
      const path = pathInside(folder, file.path);
      if (!path || !file.chunks) continue;
      let offset = 0;
      for (const chunk of file.chunks) {
        if (!index.has(chunk.hash)) index.set(chunk.hash, { path, offset });
        offset += chunk.size;
      }
    }
  }
  return index;
}

/**
 * A chunk's bytes from a local build folder, read into `into` (a view of exactly the chunk's size), or null when that
 * file is gone or no longer holds them (evicted, edited): the caller then fetches it. Checked against the hash either
 * way.
 */
export async function readLocalChunk(local: LocalChunk, chunk: ChunkRef, into: Buffer): Promise<Buffer | null> {
  const bytes = await readFileRange(local.path, local.offset, into.subarray(0, chunk.size)).catch(() => null);
  return bytes && bytes.length === chunk.size && (await sha256Of(bytes)) === chunk.hash ? into : null;
}

/**
 * A chunk's bytes from the store, read into `into` (aligned memory, a view of exactly the chunk's size: see
 * `ChunkRing`), from its object or else its pack (`readFromPack`), checked against its hash (`ChunkCorrupt`
 * otherwise).
 */
export async function fetchChunk(blobs: BlobStore, chunk: ChunkRef, into: Buffer): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readObject(blobs, chunkKey(chunk.hash), into);
  } catch (error) {
    if (!(error instanceof BlobNotFound)) throw error;
    const packed = await readFromPack(blobs, chunk.hash, into);
    if (!packed) throw error;
    bytes = packed;
  }
  const got = await sha256Of(bytes);
  if (got !== chunk.hash) throw new ChunkCorrupt(chunk.hash, got);
  return bytes;
}

/**
 * A whole object, expected to be `into.length` bytes, read into `into`. A store on this machine's disk is read in one call
 * (the stream a `get` gives costs more than the read itself for 1 MiB objects), with direct I/O: the store wrote it
 * so, and reading it through the page cache would copy it into fresh pages. An object of another size is read
 * as far as it goes and fails the hash check: what is read is checked either way.
 */
async function readObject(blobs: BlobStore, key: string, bytes: Buffer): Promise<Buffer> {
  const local = blobs.localPath(key);
  if (local) {
    try {
      return await readFileStart(local, bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new BlobNotFound(key);
    }
  }
  let read = 0;
  for await (const part of await blobs.get(key)) {
    const piece = part as Buffer;
    // More than expected: the object is not this chunk; keep a prefix, which fails the hash check.
    read += piece.copy(bytes, read);
  }
  return bytes.subarray(0, read);
}
