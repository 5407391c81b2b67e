import { PassThrough, type Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { ArchiveSourceFailed } from '../rejection/archive-rejection.error';
import type { RangeReadable } from './archive-source';

/**
 * Small reads (central directory records, local headers) go through a little block cache: yauzl reads each record
 * in two calls of a few dozen bytes, which would otherwise be two range requests per entry against S3.
 */
const BLOCK_BYTES = 64 * 1024;
const CACHED_BLOCKS = 16;

async function readFully(stream: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total > length) break;
  }
  stream.destroy();
  return Buffer.concat(chunks, Math.min(total, length));
}

function sourceFailure(error: unknown): ArchiveSourceFailed {
  if (error instanceof ArchiveSourceFailed) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ArchiveSourceFailed(`reading the archive failed: ${message}`, { cause: error });
}

/**
 * yauzl's RandomAccessReader over a `RangeReadable`. Errors of the source are wrapped in `ArchiveSourceFailed` and
 * keep that identity through yauzl (it forwards error objects as they are), so that an I/O failure is never
 * mistaken for a corrupt archive.
 */
export class RangeReaderAdapter extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();
  private closing: Promise<void> | null = null;

  constructor(private readonly source: RangeReadable) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    // yauzl wants a stream synchronously; the source gives one asynchronously: bridge with a pass-through.
    const bridge = new PassThrough({ highWaterMark: 1024 * 1024 });
    this.source.read(start, end).then(
      (stream) => {
        if (bridge.destroyed) return void stream.destroy();
        stream.on('error', (error) => bridge.destroy(sourceFailure(error)));
        bridge.on('close', () => stream.destroy());
        stream.pipe(bridge);
      },
      (error) => bridge.destroy(sourceFailure(error)),
    );
    return bridge;
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    this.readRange(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null, bytes.length);
      },
      (error) => callback(sourceFailure(error)),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    this.closeSource().then(() => callback(null), (error) => callback(sourceFailure(error)));
  }

  /** Releases the source even if a caller abandoned an entry stream (yauzl would wait for it forever). */
  closeSource(): Promise<void> {
    if (!this.closing) {
      this.blocks.clear();
      this.closing = Promise.resolve(this.source.close?.());
    }
    return this.closing;
  }

  private async readRange(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.source.size);
    if (end <= position) return Buffer.alloc(0);
    if (end - position > BLOCK_BYTES) return readFully(await this.source.read(position, end), end - position);
    const first = Math.floor(position / BLOCK_BYTES);
    const last = Math.floor((end - 1) / BLOCK_BYTES);
    const blocks: Buffer[] = [];
    for (let index = first; index <= last; index++) blocks.push(await this.block(index));
    const joined = blocks.length === 1 ? blocks[0] : Buffer.concat(blocks);
    const from = position - first * BLOCK_BYTES;
    return joined.subarray(from, from + (end - position));
  }

  private block(index: number): Promise<Buffer> {
    const cached = this.blocks.get(index);
    if (cached) {
      // Move to the back: the map's insertion order is the eviction order.
      this.blocks.delete(index);
      this.blocks.set(index, cached);
      return cached;
    }
    const start = index * BLOCK_BYTES;
    const end = Math.min(start + BLOCK_BYTES, this.source.size);
    const loading = this.source.read(start, end).then((stream) => readFully(stream, end - start));
    loading.catch(() => this.blocks.delete(index));
    this.blocks.set(index, loading);
    if (this.blocks.size > CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
    return loading;
  }
}
