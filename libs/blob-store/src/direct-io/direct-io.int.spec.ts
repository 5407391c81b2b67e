import { randomBytes } from 'node:crypto';
import { constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobStore } from '../adapters/filesystem/filesystem-blob-store';
import { alignedBuffer, DIRECT_IO_ALIGNMENT, isAlignedForDirectIo } from './aligned-memory';
import { AlignedFileWriter } from './aligned-file-writer';
import { openMaybeDirect } from './direct-file';
import { readFileStart } from './direct-read';
import { SlabPool } from './slab-pool';

const SLAB = 64 * 1024;

/** Appends `bytes` in pieces of uneven sizes (never on block boundaries). */
async function appendUnevenly(writer: AlignedFileWriter, bytes: Buffer): Promise<void> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = [1, 4095, 7000, 65_537, 300][i % 5];
    await writer.append(bytes.subarray(at, at + size));
    at += size;
  }
}

describe('direct I/O: aligned memory, files written and read without the page cache', () => {
  let dir: string;
  let directIo: boolean;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-direct-io-'));
    const probe = await openMaybeDirect(join(dir, 'probe'), constants.O_WRONLY | constants.O_CREAT, 0o644);
    directIo = probe.direct;
    await probe.handle.close();
    if (!directIo) console.log(`direct I/O: ${dir} refuses O_DIRECT, so these tests check the plain fallback only`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out aligned memory, and tells it from ordinary buffers', () => {
    const aligned = alignedBuffer(10_000);
    expect(aligned.length).toBe(10_000);
    expect(isAlignedForDirectIo(aligned)).toBe(true);
    expect(isAlignedForDirectIo(aligned.subarray(DIRECT_IO_ALIGNMENT, DIRECT_IO_ALIGNMENT + 100))).toBe(true);
    expect(isAlignedForDirectIo(aligned.subarray(1))).toBe(false);
    expect(isAlignedForDirectIo(Buffer.alloc(10_000))).toBe(false);
    expect(isAlignedForDirectIo(Buffer.from(new SharedArrayBuffer(8192)))).toBe(false);
  });

  it.each([0, 1, 4095, 4096, SLAB - 1, SLAB, SLAB + 1, 3 * SLAB + 17])('writes %i bytes exactly, directly where it can and plainly when asked', async (size) => {
    const bytes = randomBytes(size);
    const pool = new SlabPool(SLAB);
    for (const direct of [true, false]) {
      const path = join(dir, `w-${size}-${direct}`);
      const told: number[] = [];
      const writer = await AlignedFileWriter.create(path, pool.take(), { direct, onWritten: (n) => told.push(n) });
      expect(writer.direct).toBe(direct && directIo);
      await appendUnevenly(writer, bytes);
      expect(writer.length).toBe(size);
      await expect(writer.close()).resolves.toBe(size);
      expect(readFileSync(path).equals(bytes)).toBe(true);
      expect(told.at(-1)).toBe(size);
      expect(told).toEqual([...told].sort((a, b) => a - b));
    }
  });

  it('only ever tells offsets below which the file holds its final bytes, and an aborted file holds whole slabs of them', async () => {
    const bytes = randomBytes(5 * SLAB + 1234);
    const path = join(dir, 'aborted');
    const checked: boolean[] = [];
    const writer = await AlignedFileWriter.create(path, new SlabPool(SLAB).take(), {
      onWritten: (n) => checked.push(readFileSync(path).subarray(0, n).equals(bytes.subarray(0, n))),
    });
    await appendUnevenly(writer, bytes);
    await writer.abort();
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.every(Boolean)).toBe(true);
    const kept = readFileSync(path);
    expect(kept.length % SLAB).toBe(0);
    expect(kept.equals(bytes.subarray(0, kept.length))).toBe(true);
  });

  it('with four slabs, writes three at once while the fourth fills, and still tells offsets in file order', async () => {
    const bytes = randomBytes(9 * SLAB + 777);
    const path = join(dir, 'four-slabs');
    const told: number[] = [];
    const holdsFinalBytes: boolean[] = [];
    const slabs = Array.from({ length: 4 }, () => alignedBuffer(SLAB));
    const writer = await AlignedFileWriter.create(path, slabs, {
      onWritten: (n) => {
        told.push(n);
        holdsFinalBytes.push(readFileSync(path).subarray(0, n).equals(bytes.subarray(0, n)));
      },
    });
    // Each write held back a while, the later ones less (so that they end first): how many are under way at once?
    const writes = writer as unknown as { write(bytes: Buffer, position: number): Promise<void> };
    const write = writes.write.bind(writer);
    let running = 0;
    let most = 0;
    let started = 0;
    writes.write = async (slab, position) => {
      running++;
      most = Math.max(most, running);
      const delay = 40 - 10 * (started++ % 4);
      try {
        await new Promise((resolve) => setTimeout(resolve, delay));
        return await write(slab, position);
      } finally {
        running--;
      }
    };
    await appendUnevenly(writer, bytes);
    await expect(writer.close()).resolves.toBe(bytes.length);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(most).toBe(3);
    expect(told).toEqual([...told].sort((a, b) => a - b));
    expect(told.at(-1)).toBe(bytes.length);
    expect(holdsFinalBytes.every(Boolean)).toBe(true);
  });

  it('with writesInFlight 1 and recent, writes one slab at a time, each said to be filling before a byte goes in and held once written', async () => {
    const slabs = Array.from({ length: 4 }, () => alignedBuffer(SLAB));
    const told: string[] = [];
    const filledBeforeTold = new Map<number, boolean>();
    let inFlight = 0;
    let most = 0;
    const path = join(dir, 'recent');
    const writer = await AlignedFileWriter.create(path, slabs, {
      writesInFlight: 1,
      recent: {
        filling: (slab) => {
          told.push(`filling ${slab}`);
          filledBeforeTold.set(slab, slabs[slab].subarray(0, 8).equals(Buffer.alloc(8, 0xee)));
        },
        holds: (slab, position) => {
          told.push(`holds ${slab}@${position / SLAB}`);
          // Once held, the file has the slab's bytes where it says.
          expect(readFileSync(path).subarray(position, position + SLAB).equals(slabs[slab])).toBe(true);
        },
      },
    });
    const write = (writer as unknown as { write(bytes: Buffer, position: number): Promise<void> }).write.bind(writer);
    (writer as unknown as { write: typeof write }).write = async (bytes, position) => {
      most = Math.max(most, ++inFlight);
      try {
        await write(bytes, position);
      } finally {
        inFlight--;
      }
    };
    for (const slab of slabs) slab.fill(0xee);
    const bytes = randomBytes(6 * SLAB + 100);
    await appendUnevenly(writer, bytes);
    await writer.close();
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(most).toBe(1);
    expect(told.filter((t) => t.startsWith('holds'))).toEqual(['holds 0@0', 'holds 1@1', 'holds 2@2', 'holds 3@3', 'holds 0@4', 'holds 1@5']);
    // Each slab is said to be filling before its next bytes go in, and not before it is held again.
    expect(told.indexOf('filling 0', 1)).toBeGreaterThan(told.indexOf('holds 0@0'));
    expect(told.filter((t) => t.startsWith('filling'))).toEqual(['filling 0', 'filling 1', 'filling 2', 'filling 3', 'filling 0', 'filling 1', 'filling 2']);
    expect(filledBeforeTold.get(3)).toBe(true);
  });

  it('with flushAfterMs, writes the whole blocks appended within that time, slab full or not', async () => {
    const bytes = randomBytes(10_000);
    const path = join(dir, 'flushed');
    const told: number[] = [];
    const writer = await AlignedFileWriter.create(path, new SlabPool(SLAB).take(), { flushAfterMs: 20, onWritten: (n) => told.push(n) });
    await writer.append(bytes);
    for (const deadline = Date.now() + 5000; told.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    expect(told).toEqual([8192]);
    expect(readFileSync(path).equals(bytes.subarray(0, 8192))).toBe(true);
    await expect(writer.close()).resolves.toBe(bytes.length);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('resumes a file at any offset, keeping the bytes before it', async () => {
    const bytes = randomBytes(2 * SLAB + 999);
    for (const startAt of [0, 5000, DIRECT_IO_ALIGNMENT, SLAB + 3]) {
      const path = join(dir, `resumed-${startAt}`);
      writeFileSync(path, bytes.subarray(0, startAt));
      const writer = await AlignedFileWriter.create(path, new SlabPool(SLAB).take(), { startAt });
      await appendUnevenly(writer, bytes.subarray(startAt));
      await expect(writer.close()).resolves.toBe(bytes.length);
      expect(readFileSync(path).equals(bytes)).toBe(true);
    }
  });

  it('refuses slabs that are not aligned memory', async () => {
    await expect(AlignedFileWriter.create(join(dir, 'refused'), [Buffer.alloc(SLAB), Buffer.alloc(SLAB)])).rejects.toThrow(RangeError);
  });

  it('reads the start of a file into aligned memory, whatever its length', async () => {
    for (const size of [0, 1, 4096, 5000, 70_000]) {
      const bytes = randomBytes(size);
      const path = join(dir, `r-${size}`);
      writeFileSync(path, Buffer.concat([bytes, randomBytes(10)]));
      const into = alignedBuffer(size + DIRECT_IO_ALIGNMENT).subarray(0, size);
      expect((await readFileStart(path, into)).equals(bytes)).toBe(true);
      // A file shorter than asked: what it holds.
      writeFileSync(path, bytes.subarray(0, size >> 1));
      expect((await readFileStart(path, into)).equals(bytes.subarray(0, size >> 1))).toBe(true);
    }
    await expect(readFileStart(join(dir, 'r-1'), Buffer.alloc(10))).rejects.toThrow(RangeError);
    await expect(readFileStart(join(dir, 'missing'), alignedBuffer(10))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the filesystem store puts a buffer of aligned memory with direct I/O, to its exact length', async () => {
    const blobs = new FilesystemBlobStore(join(dir, 'store'));
    for (const size of [1, 4096, 100_001]) {
      const bytes = randomBytes(size);
      const body = alignedBuffer(size);
      bytes.copy(body);
      await expect(blobs.put(`chunks/${size}`, body, { size, durable: false })).resolves.toEqual({ key: `chunks/${size}`, size });
      const path = blobs.localPath(`chunks/${size}`)!;
      expect(statSync(path).size).toBe(size);
      expect(readFileSync(path).equals(bytes)).toBe(true);
    }
  });
});
