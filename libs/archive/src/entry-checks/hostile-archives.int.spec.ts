import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import {
  centralRecord,
  centralRecordBytes,
  readZipLayout,
  withCentralRecords,
  withEntryHeaders,
  writeUeBuildZip,
  type UeBuildZipOptions,
} from '@hangar/testing';
import type { RangeReadable } from '../archive-source/archive-source';
import { bufferRangeReadable } from '../archive-source/buffer-range-readable';
import { inspectArchive } from '../inspection/inspect-archive';
import { packagePolicy } from '../layout-policy/package-policy';

/**
 * Archives that a writer never produces but an attacker can: each patched at the byte level from a good build, and
 * each refused with ARCHIVE_UNREADABLE and a reason that says what was wrong.
 */

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-hostile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function buildBytes(options: UeBuildZipOptions = {}): Promise<Buffer> {
  const build = await writeUeBuildZip(join(dir, `build-${counter++}.zip`), { fileCount: 20, pakSize: 8 * 1024, ...options });
  return readFile(build.path);
}

const inspect = (zip: Buffer) => inspectArchive(bufferRangeReadable(zip));
const unreadable = (reason: RegExp) => ({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: expect.stringMatching(reason) });
const LAUNCHER = 'MyGame.exe';

describe('local headers are cross-checked against the central directory', () => {
  const patchLocal = (zip: Buffer, name: string, edit: (zip: Buffer, local: number) => void) => {
    const copy = Buffer.from(zip);
    edit(copy, centralRecord(readZipLayout(copy), name).localHeaderOffset);
    return copy;
  };

  it('accepts the good build, whose pak defers its sizes to a data descriptor', async () => {
    const zip = await buildBytes();
    const pak = centralRecord(readZipLayout(zip), 'MyGame/Content/Paks/MyGame-Windows.pak');
    expect(zip.readUInt16LE(pak.localHeaderOffset + 6) & 0x0008).toBe(0x0008);
    await expect(inspect(zip)).resolves.toMatchObject({ ok: true });
  });

  it.each([
    ['another name', (zip: Buffer, local: number) => zip.write('x', local + 30 + 2, 'latin1'), /\(local name "Myxame\.exe"\)/],
    ['another compression method', (zip: Buffer, local: number) => zip.writeUInt16LE(0, local + 8), /\(compression method 0, not 8\)/],
    ['the encryption flag', (zip: Buffer, local: number) => zip.writeUInt16LE(zip.readUInt16LE(local + 6) | 1, local + 6), /\(encryption flags differ\)/],
    ['another CRC-32', (zip: Buffer, local: number) => zip.writeUInt32LE(0x12345678, local + 14), /\(CRC-32 0x12345678, not 0x[0-9a-f]+\)/],
    ['another uncompressed size', (zip: Buffer, local: number) => zip.writeUInt32LE(7, local + 22), /\(uncompressed size 7, not \d+\)/],
    ['another compressed size', (zip: Buffer, local: number) => zip.writeUInt32LE(7, local + 18), /\(compressed size 7, not \d+\)/],
  ])('refuses a local header with %s', async (_, edit, reason) => {
    const zip = patchLocal(await buildBytes(), LAUNCHER, edit);
    await expect(inspect(zip)).resolves.toMatchObject(
      unreadable(new RegExp(`^entry MyGame\\.exe: local header disagrees with the central directory ${reason.source}$`)),
    );
  });

  it('refuses a local extra field that moves the data over the next entry', async () => {
    const zip = patchLocal(await buildBytes(), LAUNCHER, (copy, local) => copy.writeUInt16LE(4096, local + 28));
    await expect(inspect(zip)).resolves.toMatchObject(unreadable(/^entry MyGame\.exe: its data, as its local header places it, overlaps/));
  });
});

describe('declared sizes that lie', () => {
  it('refuses an entry that inflates to more than it declares', async () => {
    const zip = await buildBytes();
    const size = 96 * 1024; // the launcher's size in the fixture
    await expect(inspect(withEntryHeaders(zip, LAUNCHER, { uncompressedSize: size - 100 }))).resolves.toMatchObject(
      unreadable(new RegExp(`^entry MyGame\\.exe: inflates to more than the declared ${size - 100} bytes$`)),
    );
  });

  it('refuses an entry that inflates to less than it declares', async () => {
    const zip = await buildBytes();
    await expect(inspect(withEntryHeaders(zip, LAUNCHER, { uncompressedSize: 96 * 1024 + 100 }))).resolves.toMatchObject(
      unreadable(new RegExp(`^entry MyGame\\.exe: inflates to ${96 * 1024} bytes, not the declared ${96 * 1024 + 100}$`)),
    );
  });

  it('stops inflating a lying entry at its declared size, without reading the rest of its data', async () => {
    // 8 GiB of zeros in about 8 MiB of deflate: the same 1 MiB block, flushed, repeated, then an empty final block.
    const block = deflateRawSync(Buffer.alloc(1024 * 1024), { flush: zlibConstants.Z_FULL_FLUSH, finishFlush: zlibConstants.Z_FULL_FLUSH });
    const bomb = Buffer.concat([...Array.from({ length: 8192 }, () => block), Buffer.from([0x03, 0x00])]);
    const path = 'MyGame/Content/Data/bomb.dat';
    const stored = await buildBytes({ extraFiles: [{ path, content: bomb, compress: false }] });
    const zip = withEntryHeaders(stored, path, { compressionMethod: 8, uncompressedSize: 1000 });

    const source = countingSource(bufferRangeReadable(zip, 16 * 1024));
    const started = Date.now();
    await expect(inspectArchive(source, packagePolicy(), { concurrency: 1 })).resolves.toMatchObject(
      unreadable(/^entry MyGame\/Content\/Data\/bomb\.dat: inflates to more than the declared 1000 bytes$/),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // The other entries and a few read-ahead buffers, not the bomb's 8 MiB.
    expect(source.bytesRead()).toBeLessThan(zip.length - bomb.length + 3 * 1024 * 1024);
  });
});

describe('overlapping entries', () => {
  it('refuses two central records that share one local entry (the non-recursive zip bomb)', async () => {
    const zip = await buildBytes();
    const layout = readZipLayout(zip);
    const records = centralRecordBytes(zip, layout);
    const launcher = layout.records.findIndex((r) => r.name === LAUNCHER);
    const twin = Buffer.from(records[launcher]);
    twin.write('Twin', 46, 'latin1'); // "Twinme.exe": another name, the same data
    await expect(inspect(withCentralRecords(zip, [...records, twin]))).resolves.toMatchObject(
      unreadable(/^entry Twinme\.exe: its data overlaps entry MyGame\.exe$/),
    );
  });

  it('refuses a central record that points into the middle of another entry', async () => {
    const zip = await buildBytes();
    const layout = readZipLayout(zip);
    const records = centralRecordBytes(zip, layout);
    const shipping = layout.records.findIndex((r) => r.name.endsWith('-Shipping.exe'));
    records[shipping].writeUInt32LE(layout.records[shipping].localHeaderOffset + 100, 42);
    await expect(inspect(withCentralRecords(zip, records))).resolves.toMatchObject(unreadable(/its data overlaps entry/));
  });
});

describe('the entry count is judged before the central directory is read', () => {
  it('refuses a zip64 count over the limit at once', async () => {
    const zip = await buildBytes({ zip64: true });
    const { zip64 } = readZipLayout(zip);
    zip.writeBigUInt64LE(1n << 40n, zip64!.recordOffset + 24);
    zip.writeBigUInt64LE(1n << 40n, zip64!.recordOffset + 32);
    await expect(inspect(zip)).resolves.toMatchObject(unreadable(/^archive has 1099511627776 entries; at most 200000 are accepted$/));
  });

  it('refuses a count that the file is too small to hold', async () => {
    const zip = await buildBytes();
    const eocd = zip.length - 22;
    zip.writeUInt16LE(60_000, eocd + 8);
    zip.writeUInt16LE(60_000, eocd + 10);
    await expect(inspect(zip)).resolves.toMatchObject(
      unreadable(new RegExp(`^corrupt zip archive: it declares 60000 entries, more than a ${zip.length}-byte file can hold$`)),
    );
  });
});

function countingSource(source: RangeReadable): RangeReadable & { bytesRead(): number } {
  let bytes = 0;
  return {
    size: source.size,
    read: async (start, end) => {
      const stream: Readable = await source.read(start, end);
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      return stream;
    },
    bytesRead: () => bytes,
  };
}
