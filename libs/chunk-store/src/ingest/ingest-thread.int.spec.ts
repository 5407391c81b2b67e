import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AlignedFileWriter, FilesystemBlobStore, RecentSlabs } from '@hangar/blob-store';
import { seededBytes, writeUeBuildZip } from '@hangar/testing';
import { chunkingFor } from '../chunking/chunking-options';
import { IngestThread, IngestThreadFailed } from './ingest-thread';
import { ingestStream } from './streamed-ingest';

describe('ingesting on a thread of its own, from the file the download is written to', () => {
  let tmp: string;
  let blobs: FilesystemBlobStore;
  const chunking = chunkingFor(64 * 1024);

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-ingest-thread-'));
    blobs = new FilesystemBlobStore(join(tmp, 'store'));
  });
  afterEach(async () => {
    await blobs.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Writes `bytes` to `path` in pieces, telling the thread after each completed write, as the downloader does. */
  const writeGrowing = async (path: string, bytes: Buffer, thread: IngestThread, pieceSize: number) => {
    const handle = await open(path, 'w');
    try {
      for (let at = 0; at < bytes.length; at += pieceSize) {
        await handle.write(bytes, at, Math.min(pieceSize, bytes.length - at), at);
        thread.grew(Math.min(at + pieceSize, bytes.length));
      }
    } finally {
      await handle.close();
    }
  };

  it('finds and stores what the same ingest on the event loop does, however the file grows', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'a.zip'), { pakSize: 3 * 1024 * 1024, fileCount: 60 });
    const bytes = await readFile(zip.path);
    const inline = await ingestStream(new FilesystemBlobStore(join(tmp, 'inline')), createReadStream(zip.path), chunking);
    for (const pieceSize of [4096, 700_000]) {
      const part = join(tmp, `part-${pieceSize}`);
      const store = new FilesystemBlobStore(join(tmp, `store-${pieceSize}`));
      const thread = IngestThread.start({ path: part, location: { kind: 'fs', root: store.rootDir }, chunking });
      await writeGrowing(part, bytes, thread, pieceSize);
      const findings = await thread.ended(bytes.length);
      expect(findings).toEqual(inline);
      expect(findings).toMatchObject({ complete: true });
      for (const chunk of findings.entries.flatMap((e) => e.chunks)) expect(await store.stat(`chunks/${chunk.hash}`)).not.toBeNull();
    }
  });

  it.each(['deflate', 'store'] as const)(
    'reads a zip several times the size of its ring of memory (a %sd pak behind a data descriptor) and finds what the inline ingest finds',
    async (pakCompression) => {
      // The ring holds what the parser and the chunker may still read (about 4.3 MiB here) and a few reads: a 40 MiB
      // pak goes round it several times, and so does a 16 MiB deflated file whose sizes come before its data; both
      // deflated ones also go round the ring they are inflated into (7 MiB here). A view kept too long (a chunk's
      // slices, an entry's first bytes, the rest of the piece an inflater ended in) would read bytes of a later lap,
      // and the findings would differ.
      const movie = { path: 'Demo/Content/Movies/Intro.bin', content: seededBytes('ring', 'movie', 16 * 1024 * 1024), compress: true };
      const zip = await writeUeBuildZip(join(tmp, `${pakCompression}.zip`), { pakSize: 40 * 1024 * 1024, pakCompression, fileCount: 30, extraFiles: [movie] });
      const bytes = await readFile(zip.path);
      const inline = await ingestStream(new FilesystemBlobStore(join(tmp, 'inline')), createReadStream(zip.path), chunking);
      const part = join(tmp, 'part');
      const thread = IngestThread.start({ path: part, location: { kind: 'fs', root: blobs.rootDir }, chunking });
      await writeGrowing(part, bytes, thread, 3 * 1024 * 1024);
      const findings = await thread.ended(bytes.length);
      expect(findings).toMatchObject({ complete: true });
      expect(findings).toEqual(inline);
    },
  );

  it('copies the newest bytes from the slabs the file is written through (shared with the thread), and finds the same', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'slabs.zip'), { pakSize: 8 * 1024 * 1024, fileCount: 30 });
    const bytes = await readFile(zip.path);
    const inline = await ingestStream(new FilesystemBlobStore(join(tmp, 'inline')), createReadStream(zip.path), chunking);
    const part = join(tmp, 'part');
    // Slabs enough for the whole zip: whenever the thread gets to a byte (it starts slowly under the tests' on-the-fly
    // compiler), every whole slab written is still there; only the last, partial one is read from the file.
    const recent = RecentSlabs.create(12, 1024 * 1024);
    const thread = IngestThread.start({ path: part, location: { kind: 'fs', root: blobs.rootDir }, chunking, recentSlabs: recent.shared });
    const writer = await AlignedFileWriter.create(part, recent.slabs, { writesInFlight: 1, recent, onWritten: (n) => thread.grew(n) });
    for (let at = 0; at < bytes.length; at += 64 * 1024) await writer.append(bytes.subarray(at, at + 64 * 1024));
    const findings = await thread.ended(await writer.close());
    expect(findings).toEqual(inline);
    expect(thread.read!.fromSlabs + thread.read!.fromFile).toBe(bytes.length);
    expect(thread.read!.fromFile).toBeLessThan(1024 * 1024);
  });

  it('stops when aborted mid-file, and reports an incomplete ingest when the file ends short of what was written', async () => {
    const zip = await writeUeBuildZip(join(tmp, 'b.zip'), { pakSize: 1024 * 1024, fileCount: 10 });
    const bytes = await readFile(zip.path);
    const part = join(tmp, 'part');
    const aborted = IngestThread.start({ path: part, location: { kind: 'fs', root: blobs.rootDir }, chunking });
    await writeGrowing(part, bytes.subarray(0, bytes.length >> 1), aborted, 64 * 1024);
    await expect(aborted.abort()).resolves.toBeUndefined();

    const short = IngestThread.start({ path: part, location: { kind: 'fs', root: blobs.rootDir }, chunking });
    await expect(short.ended(bytes.length)).resolves.toMatchObject({ complete: false, detail: expect.stringContaining(`ended at ${bytes.length >> 1} bytes`) });
  });

  it('fails when the thread cannot run its ingest at all (the file is not there)', async () => {
    const missing = IngestThread.start({ path: join(tmp, 'never-written'), location: { kind: 'fs', root: blobs.rootDir }, chunking });
    await expect(missing.ended(10)).rejects.toThrow(IngestThreadFailed);
  });

  it('starts without loading the contracts\' validation libraries: a thread starts for every download, on its critical path', async () => {
    // What the thread's entry imports, loaded the way the tests run a thread (scripts/ts-worker.cjs), in a thread of
    // its own: the modules it ends up with. @hangar/contracts pulls in class-validator and class-transformer (about
    // 400 modules, 140 ms); a value import of it anywhere in this graph would put them back.
    let root = __dirname;
    while (!existsSync(join(root, 'scripts', 'ts-worker.cjs'))) root = dirname(root);
    const probe = join(tmp, 'probe.js');
    writeFileSync(
      probe,
      `for (const m of ['./streamed-ingest.ts', './growing-file.ts', '../../../blob-store/src/index.ts', '../../../archive/src/index.ts']) require(${JSON.stringify(__dirname)} + '/' + m);
      require('node:worker_threads').parentPort.postMessage(Object.keys(require.cache));`,
    );
    const worker = new Worker(join(root, 'scripts', 'ts-worker.cjs'), { workerData: { entry: probe } });
    const loaded = await new Promise<string[]>((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    expect(loaded.some((path) => path.endsWith('streamed-ingest.ts'))).toBe(true);
    expect(loaded.filter((path) => /class-validator|class-transformer|contracts\/src\/index/.test(path))).toEqual([]);
  });
});
