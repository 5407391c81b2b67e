import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestReport } from '@hangar/contracts';
import { FilesystemBlobStore } from '@hangar/blob-store';
import { collect, slowPuts } from '@hangar/blob-store/testing';
import { bufferRangeReadable, extractEntries } from '@hangar/archive';
import { writeUeBuildZip } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { storeBuild } from '../content-store/build-storage';
import { chunkKey } from '../content-store/content-keys';
import { readChunk } from '../content-store/chunk-packs';
import { readManifest } from '../content-store/manifest-io';
import { collectGarbage } from '../collection/garbage-collector';
import { adoptIngestedBuild } from './adopt-ingested-build';
import { ingestStream } from './streamed-ingest';
import { PackIndex } from '../content-store/pack-index';
import { chunkListKey } from '../extraction/extracted-files';

/** Each entry's SHA-256, by its local header's offset, as the random-access reader inflates it from the zip. */
async function sha256ByOffset(zipPath: string): Promise<Map<number, string>> {
  const digests = new Map<number, string>();
  await extractEntries(bufferRangeReadable(await readFile(zipPath)), async (entry, contents) => {
    const hash = createHash('sha256');
    for await (const piece of contents) hash.update(piece);
    digests.set(entry.localHeaderOffset, hash.digest('hex'));
  });
  return digests;
}

/** The SHA-256 of what `chunks` hold, read back from the store (objects or packs), each chunk checked against its name. */
async function sha256OfChunks(blobs: FilesystemBlobStore, chunks: readonly { hash: string }[]): Promise<string> {
  const whole = createHash('sha256');
  for (const chunk of chunks) {
    const bytes = await readChunk(blobs, chunk.hash);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(chunk.hash);
    whole.update(bytes);
  }
  return whole.digest('hex');
}

describe('ingesting a zip while it arrives, then adopting what was chunked', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  const chunking = chunkingFor(64 * 1024);
  const identity = (uploadId: string) => ({ uploadId, projectId: 'p', createdAt: 'now' });
  const ingest = async (path: string): Promise<IngestReport> => ({
    ...(await ingestStream(blobs, createReadStream(path, { highWaterMark: 64 * 1024 }), chunking)),
    archive: { size: 0, sha256: '' },
  });

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-ingest-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(async () => {
    await blobs.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stores the same manifest as chunking the zip afterwards, reading only its central directory', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'a.zip'), { pakSize: 2 * 1024 * 1024, fileCount: 80 });
    const report = await ingest(zip.path);
    expect(report).toMatchObject({ complete: true, chunkAvgBytes: chunking.avgSize });
    const adopted = await adoptIngestedBuild(blobs, zip.path, report, identity('streamed'), chunking);
    expect(adopted).toMatchObject({ fileCount: zip.fileCount, totalBytes: zip.totalSize });
    expect(adopted!.newBytes).toBeGreaterThan(zip.totalSize * 0.9);
    const later = await storeBuild(blobs, zip.path, identity('later'), chunking);
    expect(later.newBytes).toBe(0); // everything was already in the store
    const [a, b] = [await readManifest(blobs, adopted!.manifestKey), await readManifest(blobs, later.manifestKey)];
    expect(a.files).toEqual(b.files);
  });

  it('does not adopt an incomplete report, another chunking, or chunks that were collected meanwhile', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'a.zip'), { pakSize: 512 * 1024, fileCount: 30 });
    const report = await ingest(zip.path);
    await expect(adoptIngestedBuild(blobs, zip.path, { ...report, complete: false }, identity('x'), chunking)).resolves.toBeNull();
    await expect(adoptIngestedBuild(blobs, zip.path, report, identity('x'), chunkingFor(128 * 1024))).resolves.toBeNull();
    // A collection pass after the ingest, before any manifest names its chunks: it takes them all.
    await expect(collectGarbage(blobs)).resolves.toMatchObject({ deletedChunks: expect.any(Number) });
    expect(await blobs.stat(chunkKey(report.entries.find((e) => e.chunks.length > 0)!.chunks[0].hash))).toBeNull();
    await expect(adoptIngestedBuild(blobs, zip.path, report, identity('x'), chunking)).resolves.toBeNull();
    expect(await blobs.stat('manifests/x.json')).toBeNull();
  });

  it('looks no chunk up again when no collection pass started since the ingest began, and every one when one did', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'a.zip'), { pakSize: 512 * 1024, fileCount: 30 });
    const report = await ingest(zip.path);
    expect(report.collectionsBefore).toEqual({ latestPass: null });
    const lookups = jest.spyOn(blobs, 'stat');
    await expect(adoptIngestedBuild(blobs, zip.path, report, identity('quiet'), chunking)).resolves.not.toBeNull();
    expect(lookups).not.toHaveBeenCalled();

    // A pass since (it keeps them all: the manifest above names them): adopting the same report looks them up.
    await collectGarbage(blobs);
    await expect(adoptIngestedBuild(blobs, zip.path, report, identity('after-a-pass'), chunking)).resolves.not.toBeNull();
    expect(lookups.mock.calls.length).toBeGreaterThanOrEqual(new Set(report.entries.flatMap((e) => e.chunks.map((c) => c.hash))).size);
    // And a report from an ingest that began while a pass ran (no `collectionsBefore`) as well.
    lookups.mockClear();
    await expect(adoptIngestedBuild(blobs, zip.path, { ...report, collectionsBefore: undefined }, identity('unknown'), chunking)).resolves.not.toBeNull();
    expect(lookups).toHaveBeenCalled();
    lookups.mockRestore();
  });

  it('stores a large deflated file as it is, with chunks larger than the stream holds its pieces (the chunker holds them up to the largest chunk)', async () => {
    // Chunks of 4 MiB on average, up to 16 MiB, where the stream itself holds 4 MiB: the pieces of a chunk being cut
    // must outlive that. 48 MiB of a deflated pak; every chunk and the file read back and hashed.
    const large = chunkingFor(4 * 1024 * 1024);
    const zip = await writeUeBuildZip(join(tmp, 'deflated.zip'), { pakSize: 48 * 1024 * 1024, fileCount: 10 });
    const report = await ingestStream(blobs, createReadStream(zip.path, { highWaterMark: 1024 * 1024 }), large, undefined, join(tmp, 'x'));
    expect(report).toMatchObject({ complete: true });
    const truth = await sha256ByOffset(zip.path);
    const pak = report.entries.find((e) => e.size === 48 * 1024 * 1024)!;
    expect(pak.chunks.length).toBeGreaterThan(5);
    expect(await sha256OfChunks(blobs, pak.chunks)).toBe(truth.get(pak.offset));
    expect(createHash('sha256').update(readFileSync(join(tmp, 'x', chunkListKey(pak.chunks)))).digest('hex')).toBe(truth.get(pak.offset));
  });

  it('reports the stream incomplete, not a build with other bytes, when chunks are cut from memory reused too early', async () => {
    // A source that breaks its side of the contract: it reads the zip into three 16 KiB buffers in turn, so a view
    // is overwritten two pieces later, long before the chunker (chunks of 64 KiB) cuts the chunk it is part of. The
    // CRC-32 the zip declares stays right; the chunks' own CRC-32 must catch it.
    const zip = await writeUeBuildZip(join(tmp, 'a.zip'), { pakSize: 1024 * 1024, pakCompression: 'store', fileCount: 20 });
    const bytes = await readFile(zip.path);
    async function* reusing(): AsyncGenerator<Buffer> {
      const buffers = [Buffer.alloc(16 * 1024), Buffer.alloc(16 * 1024), Buffer.alloc(16 * 1024)];
      for (let at = 0, turn = 0; at < bytes.length; at += 16 * 1024, turn++) {
        const into = buffers[turn % 3];
        const length = bytes.copy(into, 0, at, at + 16 * 1024);
        yield into.subarray(0, length);
      }
    }
    const report = await ingestStream(blobs, reusing(), chunking);
    expect(report).toMatchObject({ complete: false, stop: 'consumer-failed', detail: expect.stringContaining('CRC-32') });
    // Whatever it reports, it read right.
    const truth = new Map<number, number>();
    await extractEntries(bufferRangeReadable(bytes), async (entry, contents) => {
      for await (const _ of contents) void _;
      truth.set(entry.localHeaderOffset, entry.crc32 >>> 0);
    });
    for (const entry of report.entries) expect(entry.crc32).toBe(truth.get(entry.offset));
  });

  it('ends the report at an entry whose bytes are not what the zip declares: the chunks\' CRC-32 is the only one taken', async () => {
    // One byte of the stored pak changed after the zip was written: its data descriptor still ends it (by its sizes),
    // its CRC-32 no longer matches. The entries before it stand; the scan reads the zip itself for the rest.
    const zip = await writeUeBuildZip(join(tmp, 'corrupt.zip'), { pakSize: 1024 * 1024, pakCompression: 'store', fileCount: 20, corruptEntry: 'pak' });
    const report = await ingestStream(blobs, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking);
    expect(report).toMatchObject({ complete: false, stop: 'consumer-failed', detail: expect.stringMatching(/its chunks' CRC-32 is \d+, the zip declares \d+/) });
    expect(report.entries.every((e) => e.size !== 1024 * 1024)).toBe(true);
  });

  it('with extractTo, also writes each entry out as it is chunked, named by its chunk list, in a folder started afresh', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'a.zip'), { pakSize: 1024 * 1024 + 12345, fileCount: 40, pakCompression: 'store' });
    const dir = join(tmp, 'extracted', 'b1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'left-by-an-earlier-ingest'), 'x');
    const report = await ingestStream(blobs, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking, undefined, dir);
    const truth = await sha256ByOffset(zip.path);
    const withBytes = report.entries.filter((e) => e.chunks.length > 0);
    expect(withBytes.length).toBeGreaterThanOrEqual(40);
    const names = readdirSync(dir);
    expect(names.sort()).toEqual([...new Set(withBytes.map((e) => chunkListKey(e.chunks)))].sort());
    for (const entry of withBytes) {
      const bytes = readFileSync(join(dir, chunkListKey(entry.chunks)));
      expect(bytes.length).toBe(entry.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(truth.get(entry.offset));
    }
  });

  it('stores the small files several at a time while the parser reads on, each whole, and finds what they hold', async () => {
    // 120 entries: fillers of a few KiB (one chunk each: the smallest chunk is 16 KiB here), executables and a pak
    // over it (chunked one after another through the ring). Without an extraction every new chunk is put.
    const zip = await writeUeBuildZip(join(tmp, 'many.zip'), { pakSize: 256 * 1024, fileCount: 120 });
    const { store, seen } = slowPuts(blobs, { delayMs: 10 });
    const report = await ingestStream(store, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking);
    expect(report).toMatchObject({ complete: true });
    // Several puts under way at once, and never more than the small files allowed plus the ring's.
    expect(seen.most).toBeGreaterThan(4);
    expect(seen.most).toBeLessThanOrEqual(16 + 4);
    const expected = await sha256ByOffset(zip.path);
    const files = report.entries.filter((e) => expected.has(e.offset));
    expect(files).toHaveLength(zip.fileCount);
    for (const entry of files) expect(await sha256OfChunks(blobs, entry.chunks)).toBe(expected.get(entry.offset));
  });

  it("with extraction, makes each file past the smallest chunk a pack, and puts the smaller ones' chunks in one pack they share, so no byte is written twice", async () => {
    const zip = await writeUeBuildZip(join(tmp, 'packs.zip'), { pakSize: 1024 * 1024, fileCount: 40 });
    const dir = join(tmp, 'extracted');
    const report = await ingestStream(blobs, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking, undefined, dir);
    expect(report).toMatchObject({ complete: true });
    const pak = report.entries.find((e) => e.size === 1024 * 1024)!;
    const pack = statSync(blobs.localPath(`packs/${chunkListKey(pak.chunks)}`)!);
    expect(pack.ino).toBe(statSync(join(dir, chunkListKey(pak.chunks))).ino);
    // The small files: no chunk object each, one pack for them all, and only the entries' files left for the worker.
    const smalls = report.entries.filter((e) => e.chunks.length === 1 && e.size <= chunking.minSize);
    expect(smalls.length).toBeGreaterThan(20);
    expect(await collect(blobs.list('chunks/'))).toEqual([]);
    const smallPacks = new Set(smalls.map((e) => PackIndex.of(blobs)!.find(e.chunks[0].hash)!.pack));
    expect(smallPacks.size).toBe(1);
    const distinct = new Map(smalls.map((e) => [e.chunks[0].hash, e.chunks[0].size]));
    expect(await blobs.stat([...smallPacks][0])).toMatchObject({ size: [...distinct.values()].reduce((sum, size) => sum + size, 0) });
    expect(readdirSync(dir).sort()).toEqual([...new Set(report.entries.filter((e) => e.chunks.length > 0).map((e) => chunkListKey(e.chunks)))].sort());
    for (const entry of report.entries) expect(await sha256OfChunks(blobs, entry.chunks)).toBe(createHash('sha256').update(readFileSync(join(dir, chunkListKey(entry.chunks)))).digest('hex'));

    // The same files again (another build): found in that pack, none stored again, no second pack of small files.
    const packs = await collect(blobs.list('packs/'));
    const again = await ingestStream(blobs, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking, undefined, join(tmp, 'again'));
    expect(again.entries.every((e) => e.newBytes === 0)).toBe(true);
    expect(await collect(blobs.list('packs/'))).toEqual(packs);
  });

  it('with extraction to where the store cannot link from, asks it once, puts every chunk as it comes and still extracts every file', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'nolink.zip'), { pakSize: 1024 * 1024, fileCount: 40 });
    let asked = 0;
    const unlinking: FilesystemBlobStore = Object.create(blobs);
    unlinking.linkFile = async () => (asked++, null);
    const dir = join(tmp, 'extracted');
    const report = await ingestStream(unlinking, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking, undefined, dir);
    expect(report).toMatchObject({ complete: true });
    expect(asked).toBe(1);
    const hashes = new Set(report.entries.flatMap((e) => e.chunks.map((c) => c.hash)));
    expect((await collect(blobs.list('chunks/'))).length).toBe(hashes.size);
    expect(await collect(blobs.list('packs/'))).toEqual([]);
    for (const entry of report.entries.filter((e) => e.chunks.length > 0)) expect(readFileSync(join(dir, chunkListKey(entry.chunks))).length).toBe(entry.size);
  });

  it('ends the report at a small file whose put failed, after the parser had read on: incomplete, and nothing written after it returns', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'many.zip'), { pakSize: 256 * 1024, fileCount: 120 });
    const { store, seen } = slowPuts(blobs, { delayMs: 10, failOnPut: 30 });
    const report = await ingestStream(store, createReadStream(zip.path, { highWaterMark: 64 * 1024 }), chunking);
    expect(report).toMatchObject({ complete: false, stop: 'consumer-failed', detail: 'the disk is full' });
    expect(report.entries.length).toBeGreaterThan(0);
    expect(report.entries.length).toBeLessThan(zip.fileCount);
    for (const chunk of report.entries.flatMap((e) => e.chunks)) expect(await blobs.stat(chunkKey(chunk.hash))).not.toBeNull();
    const puts = seen.puts;
    expect(seen.running).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.puts).toBe(puts);
  });
});
