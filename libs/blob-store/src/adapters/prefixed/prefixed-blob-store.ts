import type { Readable } from 'node:stream';
import { BlobNotFound, isBufferBody, type BlobBody, type BlobInfo, type BlobStore, type PutOptions } from '../../port/blob-store.port';
import { assertValidBlobKey, assertValidBlobPrefix } from '../../key/blob-key';

/**
 * A store's objects under one prefix, seen as a store of their own (the archive tier's `cold/` in the main store):
 * keys are given and listed without the prefix, so code written for a whole store (the chunk store, its garbage
 * collector) runs unchanged on the part. Closing it leaves the underlying store open: whoever opened that owns it.
 */
export class PrefixedBlobStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly prefix: string,
  ) {
    assertValidBlobPrefix(prefix);
    if (!prefix.endsWith('/')) throw new Error(`prefix ${prefix} must end with /`);
  }

  async put(key: string, body: BlobBody, options?: PutOptions): Promise<BlobInfo> {
    try {
      return this.relative(await this.inner.put(this.full(key), body, options));
    } catch (error) {
      // A refused body must not stay open (as the adapters do it).
      if (!isBufferBody(body)) body.destroy();
      throw error;
    }
  }
  async linkFile(key: string, path: string): Promise<BlobInfo | null> {
    const linked = await this.inner.linkFile(this.full(key), path);
    return linked && this.relative(linked);
  }

  async putFile(key: string, path: string, options?: { size?: number; contentType?: string }): Promise<BlobInfo> {
    return this.relative(await this.inner.putFile(this.full(key), path, options));
  }
  async get(key: string, range?: { start: number; end: number }): Promise<Readable> {
    try {
      return await this.inner.get(this.full(key), range);
    } catch (error) {
      if (error instanceof BlobNotFound) throw new BlobNotFound(key);
      throw error;
    }
  }
  async stat(key: string): Promise<BlobInfo | null> {
    const info = await this.inner.stat(this.full(key));
    return info && this.relative(info);
  }
  async delete(key: string): Promise<void> {
    await this.inner.delete(this.full(key));
  }
  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertValidBlobPrefix(prefix);
    for await (const info of this.inner.list(this.prefix + prefix)) yield this.relative(info);
  }
  async sync(keys: Iterable<string>): Promise<void> {
    const full = [...keys].map((key) => this.full(key));
    try {
      await this.inner.sync(full);
    } catch (error) {
      if (error instanceof BlobNotFound) throw new BlobNotFound(error.key.startsWith(this.prefix) ? error.key.slice(this.prefix.length) : error.key);
      throw error;
    }
  }
  localPath(key: string): string | null {
    return this.inner.localPath(this.full(key));
  }
  async close(): Promise<void> {}

  private full(key: string): string {
    assertValidBlobKey(key);
    return this.prefix + key;
  }
  private relative(info: BlobInfo): BlobInfo {
    return { ...info, key: info.key.slice(this.prefix.length) };
  }
}
