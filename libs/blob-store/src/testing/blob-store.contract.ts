import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobSizeMismatch } from '../port/blob-size-mismatch.error';
import { BlobNotFound, InvalidBlobKey, type BlobInfo, type BlobStore } from '../port/blob-store.port';
import { InvalidBlobRange } from '../range/blob-range';

export interface BlobStoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/** Makes a fresh, empty store for each test. */
export type BlobStoreFactory = () => Promise<BlobStoreUnderTest>;

const MiB = 1024 * 1024;

/**
 * What every BlobStore adapter must do, run once per adapter (`blobStoreContract('S3BlobStore', () => …)`). The
 * 12 MiB body is larger than the S3 adapter's part size in its spec (5 MiB), so multipart uploads are covered.
 */
export function blobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`${name} (BlobStore contract)`, () => {
    let store: BlobStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await factory());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('put and get', () => {
      it('stores a Buffer and reads it back byte for byte', async () => {
        const body = Buffer.from('hello, hangar\n');
        await expect(store.put('builds/u1/files/readme.txt', body, { contentType: 'text/plain' })).resolves.toEqual({
          key: 'builds/u1/files/readme.txt',
          size: body.length,
        });
        expect(await readAll(await store.get('builds/u1/files/readme.txt'))).toEqual(body);
      });

      it('stores a multi-MiB stream of unknown size in bounded chunks and reads it back byte for byte', async () => {
        const body = randomBytes(12 * MiB + 12345);
        await expect(store.put('builds/u2/Game.pak', chunked(body, 64 * 1024))).resolves.toEqual({ key: 'builds/u2/Game.pak', size: body.length });
        const read = await readAll(await store.get('builds/u2/Game.pak'));
        expect(read.length).toBe(body.length);
        expect(sha256(read)).toBe(sha256(body));
        await expect(store.stat('builds/u2/Game.pak')).resolves.toEqual({ key: 'builds/u2/Game.pak', size: body.length });
      });

      it('stores a list of buffers as their concatenation (views of shared memory, empty ones included)', async () => {
        const shared = randomBytes(6 * MiB + 7);
        const slices = [shared.subarray(0, 5), Buffer.alloc(0), shared.subarray(5, 3 * MiB), shared.subarray(3 * MiB)];
        await expect(store.put('chunks/sliced', slices, { durable: false })).resolves.toEqual({ key: 'chunks/sliced', size: shared.length });
        expect(sha256(await readAll(await store.get('chunks/sliced')))).toBe(sha256(shared));
        await expect(store.put('chunks/none', [])).resolves.toEqual({ key: 'chunks/none', size: 0 });
        await expect(store.put('chunks/sized', [shared.subarray(0, 10)], { size: 11 })).rejects.toBeInstanceOf(BlobSizeMismatch);
        await expect(store.stat('chunks/sized')).resolves.toBeNull();
      });

      it('stores deferred puts whole, and sync makes them durable, refusing an absent key', async () => {
        const bodies = [randomBytes(3 * MiB), Buffer.from('small'), Buffer.alloc(0)];
        const keys = bodies.map((_, i) => `chunks/deferred-${i}`);
        for (const [i, body] of bodies.entries()) await expect(store.put(keys[i], body, { durable: false })).resolves.toEqual({ key: keys[i], size: body.length });
        await store.sync([...keys, keys[0]]);
        for (const [i, body] of bodies.entries()) expect(sha256(await readAll(await store.get(keys[i])))).toBe(sha256(body));
        await expect(store.sync([keys[1], 'chunks/never-put'])).rejects.toBeInstanceOf(BlobNotFound);
        await expect(store.sync([])).resolves.toBeUndefined();
      });

      it('takes a local file over with putFile: stored byte for byte, gone from its path', async () => {
        await inTempDir('hangar-putfile-', async (dir) => {
          const body = randomBytes(6 * MiB + 7);
          const path = join(dir, 'source.zip');
          await writeFile(path, body);
          await expect(store.putFile('uploads/u9/source.zip', path, { size: body.length })).resolves.toEqual({ key: 'uploads/u9/source.zip', size: body.length });
          expect(sha256(await readAll(await store.get('uploads/u9/source.zip')))).toBe(sha256(body));
          expect(existsSync(path)).toBe(false);
        });
      });

      it('links a local file with linkFile where it can (the file stays at its path too), or says null and stores nothing', async () => {
        await inTempDir('hangar-linkfile-', async (dir) => {
          const body = randomBytes(3 * MiB + 5);
          const path = join(dir, 'pak');
          await writeFile(path, body);
          const linked = await store.linkFile('packs/p1', path);
          expect(existsSync(path)).toBe(true);
          if (linked === null) {
            await expect(store.stat('packs/p1')).resolves.toBeNull();
            return;
          }
          expect(linked).toEqual({ key: 'packs/p1', size: body.length });
          await store.sync(['packs/p1']);
          expect(sha256(await readAll(await store.get('packs/p1')))).toBe(sha256(body));
          expect(sha256(await readAll(await store.get('packs/p1', { start: MiB, end: 2 * MiB })))).toBe(sha256(body.subarray(MiB, 2 * MiB)));
          // Either name may go first: the other one keeps the bytes.
          await rm(path);
          expect(sha256(await readAll(await store.get('packs/p1')))).toBe(sha256(body));
        });
      });

      it('refuses a putFile whose size is not the declared one, storing nothing', async () => {
        await inTempDir('hangar-putfile-', async (dir) => {
          const path = join(dir, 'short.zip');
          await writeFile(path, Buffer.from('too short'));
          await expect(store.putFile('uploads/u10/source.zip', path, { size: 1000 })).rejects.toBeInstanceOf(BlobSizeMismatch);
          await expect(store.stat('uploads/u10/source.zip')).resolves.toBeNull();
        });
      });

      it('stores a stream of declared size', async () => {
        const body = randomBytes(12 * MiB);
        await store.put('sized.bin', chunked(body, 1 * MiB), { size: body.length });
        expect(sha256(await readAll(await store.get('sized.bin')))).toBe(sha256(body));
      });

      it('stores an empty object', async () => {
        await expect(store.put('empty', Buffer.alloc(0))).resolves.toEqual({ key: 'empty', size: 0 });
        await store.put('empty-stream', Readable.from([]));
        expect(await readAll(await store.get('empty'))).toEqual(Buffer.alloc(0));
        await expect(store.stat('empty-stream')).resolves.toEqual({ key: 'empty-stream', size: 0 });
      });

      it('keeps keys with spaces and non-ASCII characters intact', async () => {
        const key = 'builds/ü 1/Content/Paks/Spiel ✓ 😀.pak';
        await store.put(key, Buffer.from('x'));
        expect((await readAll(await store.get(key))).toString()).toBe('x');
        expect(await collect(store.list('builds/ü 1/'))).toEqual([{ key, size: 1 }]);
      });

      it('replaces an object on overwrite', async () => {
        await store.put('k', Buffer.from('first, and longer than the second'));
        await store.put('k', Buffer.from('second'));
        expect((await readAll(await store.get('k'))).toString()).toBe('second');
        await expect(store.stat('k')).resolves.toEqual({ key: 'k', size: 6 });
      });

      it('leaves one whole object when two puts race on a key', async () => {
        const a = randomBytes(3 * MiB);
        const b = randomBytes(2 * MiB);
        await Promise.all([store.put('race', chunked(a, 256 * 1024)), store.put('race', chunked(b, 256 * 1024))]);
        const read = sha256(await readAll(await store.get('race')));
        expect([sha256(a), sha256(b)]).toContain(read);
      });
    });

    describe('ranges', () => {
      const body = Buffer.from('0123456789abcdefghij');
      beforeEach(() => store.put('r', body));

      it('reads [start, end) of an object', async () => {
        expect((await readAll(await store.get('r', { start: 3, end: 7 }))).toString()).toBe('3456');
        expect((await readAll(await store.get('r', { start: 0, end: 1 }))).toString()).toBe('0');
        expect((await readAll(await store.get('r', { start: 19, end: 20 }))).toString()).toBe('j');
        expect((await readAll(await store.get('r', { start: 0, end: 20 }))).toString()).toBe(body.toString());
      });

      it('reads an empty range as no bytes', async () => {
        expect(await readAll(await store.get('r', { start: 5, end: 5 }))).toEqual(Buffer.alloc(0));
      });

      it('clips a range that reaches past the end', async () => {
        expect((await readAll(await store.get('r', { start: 15, end: 1000 }))).toString()).toBe('fghij');
        expect(await readAll(await store.get('r', { start: 20, end: 30 }))).toEqual(Buffer.alloc(0));
        expect(await readAll(await store.get('r', { start: 25, end: 30 }))).toEqual(Buffer.alloc(0));
      });

      it('reads a range inside a multipart object, across part boundaries', async () => {
        const big = randomBytes(12 * MiB);
        await store.put('big', chunked(big, 1 * MiB));
        const range = { start: 5 * MiB - 100, end: 10 * MiB + 100 };
        expect(sameBytes(await readAll(await store.get('big', range)), big.subarray(range.start, range.end))).toBe(true);
      });

      it('rejects a malformed range', async () => {
        await expect(store.get('r', { start: 5, end: 4 })).rejects.toBeInstanceOf(InvalidBlobRange);
        await expect(store.get('r', { start: -1, end: 4 })).rejects.toBeInstanceOf(InvalidBlobRange);
        await expect(store.get('r', { start: 0.5, end: 4 })).rejects.toBeInstanceOf(InvalidBlobRange);
      });

      it('says BlobNotFound for a range of an absent key', async () => {
        await expect(store.get('absent', { start: 0, end: 4 })).rejects.toBeInstanceOf(BlobNotFound);
        await expect(store.get('absent', { start: 0, end: 0 })).rejects.toBeInstanceOf(BlobNotFound);
      });
    });

    describe('absent keys', () => {
      it('get rejects with BlobNotFound', async () => {
        const error = await store.get('no/such/key').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BlobNotFound);
        expect(error).toMatchObject({ code: 'BLOB_NOT_FOUND', key: 'no/such/key' });
      });

      it('stat answers null', async () => {
        await expect(store.stat('no/such/key')).resolves.toBeNull();
      });

      it('a "directory" (a prefix of stored keys) is not an object', async () => {
        await store.put('dir/file', Buffer.from('x'));
        await expect(store.stat('dir')).resolves.toBeNull();
        await expect(store.get('dir')).rejects.toBeInstanceOf(BlobNotFound);
        await expect(store.delete('dir')).resolves.toBeUndefined();
        await expect(store.stat('dir/file')).resolves.toEqual({ key: 'dir/file', size: 1 });
      });
    });

    describe('delete', () => {
      it('removes an object, and deleting again (or deleting what never was) is not an error', async () => {
        await store.put('builds/u3/a', Buffer.from('a'));
        await store.put('builds/u3/b', Buffer.from('b'));
        await store.delete('builds/u3/a');
        await expect(store.stat('builds/u3/a')).resolves.toBeNull();
        await expect(store.get('builds/u3/a')).rejects.toBeInstanceOf(BlobNotFound);
        await expect(store.delete('builds/u3/a')).resolves.toBeUndefined();
        await expect(store.delete('never/was')).resolves.toBeUndefined();
        expect(await collect(store.list('builds/'))).toEqual([{ key: 'builds/u3/b', size: 1 }]);
      });

      it('lets a key be stored again after its directory emptied', async () => {
        await store.put('d/e/f', Buffer.from('1'));
        await store.delete('d/e/f');
        await store.put('d/e/f', Buffer.from('22'));
        await expect(store.stat('d/e/f')).resolves.toEqual({ key: 'd/e/f', size: 2 });
      });
    });

    describe('list', () => {
      const keys = ['b/2', 'a/1', 'a/10', 'a/2', 'a-b', 'a/sub/x', 'c', 'a/sub/.hidden'];
      beforeEach(async () => {
        for (const key of keys) await store.put(key, Buffer.from(key));
      });

      it('lists every object under a prefix, in key (UTF-8 byte) order, with sizes', async () => {
        expect(await collect(store.list('a/'))).toEqual(
          ['a/1', 'a/10', 'a/2', 'a/sub/.hidden', 'a/sub/x'].map((key) => ({ key, size: Buffer.byteLength(key) })),
        );
      });

      it('treats the prefix as a string prefix, not a directory', async () => {
        expect(keysOf(await collect(store.list('a')))).toEqual(['a-b', 'a/1', 'a/10', 'a/2', 'a/sub/.hidden', 'a/sub/x']);
        expect(keysOf(await collect(store.list('a/1')))).toEqual(['a/1', 'a/10']);
        expect(keysOf(await collect(store.list('a/sub/.')))).toEqual(['a/sub/.hidden']);
      });

      it('lists everything for the empty prefix and nothing for an unknown one', async () => {
        expect(keysOf(await collect(store.list('')))).toEqual(['a-b', 'a/1', 'a/10', 'a/2', 'a/sub/.hidden', 'a/sub/x', 'b/2', 'c']);
        expect(await collect(store.list('zzz/'))).toEqual([]);
        expect(await collect(store.list('c/'))).toEqual([]);
      });

      it('rejects a prefix that could never be part of a valid key', async () => {
        await expect(collect(store.list('../'))).rejects.toBeInstanceOf(InvalidBlobKey);
        await expect(collect(store.list('/abs'))).rejects.toBeInstanceOf(InvalidBlobKey);
        await expect(collect(store.list('a//'))).rejects.toBeInstanceOf(InvalidBlobKey);
      });
    });

    describe('invalid keys', () => {
      const invalid = ['../x', 'a/../../x', '/abs', 'a//b', 'a\\b', '', '.', 'a/./b', 'a/..', 'a/', 'a\0b', 'a\nb', 'x'.repeat(256), 'a/'.repeat(600) + 'a'];
      it.each(invalid.map((key) => [JSON.stringify(key).slice(0, 40), key]))('refuses %s everywhere', async (_, key) => {
        await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidBlobKey);
        await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidBlobKey);
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidBlobKey);
        await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidBlobKey);
        await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidBlobKey);
        expect(() => store.localPath(key)).toThrow(InvalidBlobKey);
      });

      it('stores nothing for a refused key', async () => {
        await store.put('../x', Buffer.from('x')).catch(() => undefined);
        expect(await collect(store.list(''))).toEqual([]);
      });
    });

    describe('failed puts', () => {
      it('leaves no object when the body fails midway', async () => {
        await expect(store.put('broken', failingAfter(1 * MiB))).rejects.toThrow('source failed');
        await expect(store.stat('broken')).resolves.toBeNull();
        expect(await collect(store.list(''))).toEqual([]);
      });

      it('leaves no object when a multi-part body fails midway', async () => {
        await expect(store.put('broken-big', failingAfter(11 * MiB))).rejects.toThrow('source failed');
        await expect(store.stat('broken-big')).resolves.toBeNull();
        expect(await collect(store.list(''))).toEqual([]);
      });

      it('keeps the previous object when an overwrite fails', async () => {
        await store.put('kept', Buffer.from('old'));
        await expect(store.put('kept', failingAfter(7 * MiB))).rejects.toThrow('source failed');
        expect((await readAll(await store.get('kept'))).toString()).toBe('old');
      });

      it('refuses a body whose length differs from the declared size', async () => {
        await expect(store.put('short', Readable.from([Buffer.from('12345')]), { size: 10 })).rejects.toBeInstanceOf(BlobSizeMismatch);
        await expect(store.put('long', chunked(randomBytes(12 * MiB), MiB), { size: 11 * MiB })).rejects.toBeInstanceOf(BlobSizeMismatch);
        await expect(store.put('short-big', chunked(randomBytes(12 * MiB), MiB), { size: 13 * MiB })).rejects.toBeInstanceOf(BlobSizeMismatch);
        expect(await collect(store.list(''))).toEqual([]);
      });

      it('destroys a body it refuses, so that no file stays open', async () => {
        const body = Readable.from([Buffer.from('x')]);
        await store.put('/abs', body).catch(() => undefined);
        expect(body.destroyed).toBe(true);
      });
    });

    describe('localPath', () => {
      it('is null or a file holding the object', async () => {
        await store.put('lp/file.bin', Buffer.from('local'));
        const path = store.localPath('lp/file.bin');
        if (path !== null) expect((await readFile(path)).toString()).toBe('local');
      });
    });
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Everything a listing (or any async iterable) yields, in order. */
export async function collect<T = BlobInfo>(listing: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const info of listing) found.push(info);
  return found;
}

/** Runs `test` with a fresh directory of its own, removed afterwards whatever happens. */
async function inTempDir(prefix: string, test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await test(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function keysOf(infos: BlobInfo[]): string[] {
  return infos.map((info) => info.key);
}

/** Jest's toEqual compares a Buffer element by element: seconds per MiB. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.equals(b);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A stream of `data` in `size`-byte chunks, as a network or file source would deliver it. */
function chunked(data: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
    })(),
  );
}

/** A source that delivers `bytes` bytes and then fails, like a download cut off midway. */
function failingAfter(bytes: number): Readable {
  return Readable.from(
    (async function* () {
      for (let sent = 0; sent < bytes; sent += 256 * 1024) yield randomBytes(Math.min(256 * 1024, bytes - sent));
      throw new Error('source failed');
    })(),
  );
}
