import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { centralRecord, readZipLayout, seededBytes, seededRandom, writeUeBuildZip, type UeBuildZipOptions } from '@hangar/testing';
import { bufferRangeReadable } from '../archive-source/buffer-range-readable';
import { extractEntries } from '../extraction/extract-entries';
import { inspectArchive } from '../inspection/inspect-archive';
import { streamEntries } from './streamed-entries';

/** The zip in pieces of `size` bytes, each a moment after the last (a turn of the event loop, as from a file). */
async function* arriving(zip: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < zip.length; at += size) {
    await new Promise((resolve) => setImmediate(resolve));
    yield zip.subarray(at, at + size);
  }
}

/** The zip in pieces of random sizes, as a network delivers it. */
async function* inPieces(zip: Buffer, seed: string): AsyncGenerator<Buffer> {
  const random = seededRandom(seed, 'pieces');
  for (let at = 0; at < zip.length; ) {
    const length = 1 + Math.floor(random() * 200_000);
    yield zip.subarray(at, at + length);
    at += length;
  }
}

const sha256 = async (contents: AsyncIterable<Buffer>) => {
  const hash = createHash('sha256');
  for await (const piece of contents) hash.update(piece);
  return hash.digest('hex');
};

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-streamed-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
const zipOf = async (options: UeBuildZipOptions) => readFile((await writeUeBuildZip(join(dir, `z${counter++}.zip`), { fileCount: 40, ...options })).path);

describe('streamEntries: a zip read front to back as it arrives', () => {
  it.each([
    ['deflated, the pak deflated with a data descriptor', { pakSize: 3 * 1024 * 1024 }],
    ['the pak stored with a data descriptor', { pakSize: 3 * 1024 * 1024, pakCompression: 'store' as const }],
    ['zip64', { pakSize: 2 * 1024 * 1024, zip64: true }],
    ['zip64, the pak stored', { pakSize: 2 * 1024 * 1024, zip64: true, pakCompression: 'store' as const }],
  ])('finds every entry the central directory lists, with the same bytes: %s', async (_, options) => {
    const zip = await zipOf(options);
    const streamed = await streamEntries(inPieces(zip, JSON.stringify(options)), (_entry, contents) => sha256(contents));
    expect(streamed).toMatchObject({ complete: true });
    const expected = new Map<number, { size: number; crc32: number; compressedSize: number; sha256: string }>();
    await extractEntries(bufferRangeReadable(zip), async (entry, contents) => {
      expected.set(entry.localHeaderOffset, { size: entry.uncompressedSize, crc32: entry.crc32 >>> 0, compressedSize: entry.compressedSize, sha256: await sha256(contents) });
    });
    const files = streamed.entries.filter(({ entry }) => expected.has(entry.offset));
    expect(files.length).toBe(expected.size);
    for (const { entry, result } of files) {
      expect({ size: entry.size, crc32: entry.crc32, compressedSize: entry.compressedSize, sha256: result }).toEqual(expected.get(entry.offset));
    }
  });

  it.each([4096, 65_536])(
    'reads on, in pieces of %i bytes, after a deflated entry whose sizes follow its data: the rest of the piece inflate ended in goes back',
    async (pieceSize) => {
      // Inflate ends the pak inside a piece; the rest of that piece must go back to the parser before it reads on,
      // or the entries after it (here a large deflated file, inflated as a stream) get other bytes.
      const movie = { path: 'Demo/Content/Movies/Intro.bin', content: seededBytes('streamed', 'movie', 2 * 1024 * 1024), compress: true };
      const zip = await zipOf({ pakSize: 2 * 1024 * 1024, extraFiles: [movie] });
      const streamed = await streamEntries(arriving(zip, pieceSize), (_entry, contents) => sha256(contents));
      expect(streamed).toMatchObject({ complete: true });
      const expected: string[] = [];
      await extractEntries(bufferRangeReadable(zip), async (_entry, contents) => void expected.push(await sha256(contents)));
      expect(streamed.entries.map(({ result }) => result)).toEqual(expected);
    },
  );

  it('stops at data that inflates past its declared size (a bomb), draining the rest', async () => {
    const zip = Buffer.from(await zipOf({ pakSize: 64 * 1024 }));
    const exe = centralRecord(readZipLayout(zip), 'MyGame.exe');
    zip.writeUInt32LE(10, exe.localHeaderOffset + 22); // the local header now claims 10 bytes
    let pieces = 0;
    const counted = async function* () {
      for await (const piece of inPieces(zip, 'bomb')) {
        pieces++;
        yield piece;
      }
    };
    const streamed = await streamEntries(counted(), async (_entry, contents) => sha256(contents));
    expect(streamed).toMatchObject({ complete: false, stop: 'inflates-past-declared-size' });
    let total = 0;
    for await (const _ of inPieces(zip, 'bomb')) total++;
    expect(pieces).toBe(total); // drained: the bytes after the stop were still read (the caller stores them)
    expect(streamed.entries.every(({ entry }) => entry.offset !== exe.localHeaderOffset)).toBe(true);
  });

  it('stops at an encrypted entry and at bytes that are no zip, never throwing', async () => {
    const encrypted = await readFile((await writeUeBuildZip(join(dir, 'enc.zip'), { fileCount: 20, encryptedEntry: 'pak' })).path);
    await expect(streamEntries(inPieces(encrypted, 'e'), (_e, c) => sha256(c))).resolves.toMatchObject({ complete: false, stop: 'encrypted' });
    await expect(streamEntries(inPieces(Buffer.from('<!doctype html><html><body>Please sign in to download this file</body></html>'), 'h'), (_e, c) => sha256(c))).resolves.toMatchObject({ complete: false, stop: 'unexpected-signature' });
    await expect(streamEntries(inPieces(Buffer.alloc(0), 'z'), (_e, c) => sha256(c))).resolves.toMatchObject({ complete: false, stop: 'truncated' });
  });

  it.each([
    ['the pak stored with a data descriptor', { pakCompression: 'store' as const }],
    ['the pak deflated with a data descriptor', {}],
    ['zip64, the pak stored', { zip64: true, pakCompression: 'store' as const }],
  ])('with consumerChecksCrc, reports the CRC-32 each entry declares and computes none, finding data descriptors by their sizes: %s', async (_, options: UeBuildZipOptions) => {
    const good = await zipOf({ pakSize: 2 * 1024 * 1024, ...options });
    const bad = await zipOf({ pakSize: 2 * 1024 * 1024, ...options, corruptEntry: 'pak' });
    const byOffset = async (zip: Buffer) => {
      const records = new Map<number, { crc32: number; path: string }>();
      await extractEntries(bufferRangeReadable(zip), async (entry, contents) => {
        for await (const _ of contents) void _;
        records.set(entry.localHeaderOffset, { crc32: entry.crc32 >>> 0, path: entry.path });
      }).catch(() => undefined);
      return records;
    };
    // The consumer's own CRC-32 of what it was handed, beside what the stream reports.
    const stream = (zip: Buffer) =>
      streamEntries(
        inPieces(zip, 'declared'),
        async (_entry, contents) => {
          let crc = 0;
          for await (const piece of contents) crc = crc32(piece, crc);
          return crc >>> 0;
        },
        undefined,
        { consumerChecksCrc: true },
      );
    const fine = await stream(good);
    expect(fine).toMatchObject({ complete: true });
    const records = await byOffset(good);
    expect(fine.entries.length).toBe(records.size);
    for (const { entry, result } of fine.entries) {
      expect(entry.crc32).toBe(records.get(entry.offset)!.crc32);
      expect(result).toBe(entry.crc32);
    }
    // One byte of the pak's data changed: the stream still finds its end (by the descriptor's sizes, or inflate's)
    // and reports the CRC-32 the zip declares; only the consumer's own tells the bytes differ.
    const corrupt = await stream(bad);
    // (The pak's bytes are random: deflate keeps them in stored blocks, so a changed byte still inflates.)
    expect(corrupt).toMatchObject({ complete: true });
    const pak = corrupt.entries.find(({ entry }) => entry.size === 2 * 1024 * 1024)!;
    expect(pak.entry.crc32).toBe(fine.entries.find(({ entry }) => entry.size === 2 * 1024 * 1024)!.entry.crc32);
    expect(pak.result).not.toBe(pak.entry.crc32);
  });

  it('records a CRC that disagrees with the central directory, and the scan with that evidence rejects as without it', async () => {
    const zip = await readFile((await writeUeBuildZip(join(dir, 'crc.zip'), { fileCount: 20, corruptEntry: 'MyGame.exe' })).path);
    const streamed = await streamEntries(inPieces(zip, 'crc'), (_e, c) => sha256(c));
    const evidence = new Map(streamed.entries.map(({ entry }) => [entry.offset, entry]));
    const without = await inspectArchive(bufferRangeReadable(zip));
    expect(without).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE' });
    await expect(inspectArchive(bufferRangeReadable(zip), undefined, { streamed: evidence })).resolves.toEqual(without);
  });

  it('hands a large deflated entry on as views of one reused ring, each left as it was while heldBytes came between it and the newest piece', async () => {
    const heldBytes = 3 * 1024 * 1024;
    const zip = await zipOf({ pakSize: 24 * 1024 * 1024, fileCount: 5 });
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const rings = new Set<ArrayBufferLike>();
    const memories = new Set<ArrayBufferLike>();
    let checked = 0;
    const streamed = await streamEntries(
      arriving(zip, 2 * 1024 * 1024 + 12_345),
      async (entry, contents) => {
        const pak = entry.name.toString().endsWith('.pak');
        // A consumer that holds on to the pieces as long as it may (the chunker holds a chunk's), and checks each one
        // is still what it was handed as, right up to the moment it lets go.
        const held: { piece: Buffer; digest: string; end: number }[] = [];
        let total = 0;
        const whole = createHash('sha256');
        for await (const piece of contents) {
          // Let go of what is further before this piece than it may hold; check everything else is intact.
          while (held.length > 0 && total - held[0].end > heldBytes) held.shift();
          total += piece.length;
          whole.update(piece);
          if (pak) rings.add(piece.buffer);
          memories.add(piece.buffer);
          held.push({ piece, digest: digest(piece), end: total });
          for (const h of held) expect(digest(h.piece)).toBe(h.digest);
          checked += held.length;
        }
        return whole.digest('hex');
      },
      undefined,
      { heldBytes },
    );
    expect(streamed).toMatchObject({ complete: true });
    const expected: string[] = [];
    await extractEntries(bufferRangeReadable(zip), async (_entry, contents) => void expected.push(await sha256(contents)));
    expect(streamed.entries.map(({ result }) => result)).toEqual(expected);
    // 24 MiB inflated into one ring of a few MiB: no fresh buffer per piece, so no garbage for the collector to find.
    expect(rings.size).toBe(1);
    expect([...rings][0].byteLength).toBeLessThan(heldBytes + 4 * 1024 * 1024);
    // The small files too (every entry of this zip is deflated): every piece is a view of that one ring. (Compared by
    // identity: a failing toEqual would print MiBs of memory.)
    expect(memories.size).toBe(1);
    expect(rings.has([...memories][0])).toBe(true);
    expect(checked).toBeGreaterThan(24);
  });

  it('lets the scan skip inflating what the stream confirmed, while every other check still runs', async () => {
    const zip = await zipOf({ pakSize: 1024 * 1024 });
    const streamed = await streamEntries(inPieces(zip, 'skip'), (_e, c) => sha256(c));
    const evidence = new Map(streamed.entries.map(({ entry }) => [entry.offset, entry]));
    const without = await inspectArchive(bufferRangeReadable(zip));
    await expect(inspectArchive(bufferRangeReadable(zip), undefined, { streamed: evidence })).resolves.toEqual(without);
    // Reads of the data are what the evidence saves: with it, far fewer bytes are read from the archive.
    let read = 0;
    const counting = (source: ReturnType<typeof bufferRangeReadable>) => ({ ...source, size: source.size, read: async (start: number, end: number) => ((read += end - start), source.read(start, end)) });
    await inspectArchive(counting(bufferRangeReadable(zip)), undefined, { streamed: evidence });
    const withEvidence = read;
    read = 0;
    await inspectArchive(counting(bufferRangeReadable(zip)));
    expect(withEvidence).toBeLessThan(read / 4);
  });
});
