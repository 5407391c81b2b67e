import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ChunkRef } from '@hangar/contracts';
import { BlobNotFound, type BlobStore } from '@hangar/blob-store';
import { chunkKey } from '@hangar/chunk-store';
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

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

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
 * A chunk's bytes from a local build folder, or null when that file is gone or no longer holds them (evicted,
 * edited): the caller then fetches it. Checked against the hash either way.
 */
export async function readLocalChunk(local: LocalChunk, chunk: ChunkRef): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(local.path, 'r');
  } catch {
    return null;
  }
  try {
    const bytes = Buffer.allocUnsafe(chunk.size);
    const { bytesRead } = await handle.read(bytes, 0, chunk.size, local.offset);
    return bytesRead === chunk.size && sha256Of(bytes) === chunk.hash ? bytes : null;
  } finally {
    await handle.close();
  }
}

/** A chunk's bytes from the store, checked against its hash (`ChunkCorrupt` otherwise). */
export async function fetchChunk(blobs: BlobStore, chunk: ChunkRef): Promise<Buffer> {
  const bytes = await readObject(blobs, chunkKey(chunk.hash));
  const got = sha256Of(bytes);
  if (got !== chunk.hash) throw new ChunkCorrupt(chunk.hash, got);
  return bytes;
}

/**
 * A whole object in memory. A store on this machine's disk is read in one call (the stream a `get` gives costs more
 * than the read itself for 1 MiB objects; what is read is checked against its hash either way).
 */
async function readObject(blobs: BlobStore, key: string): Promise<Buffer> {
  const local = blobs.localPath(key);
  if (local) {
    try {
      return await readFile(local);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new BlobNotFound(key);
    }
  }
  const parts: Buffer[] = [];
  for await (const part of await blobs.get(key)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
