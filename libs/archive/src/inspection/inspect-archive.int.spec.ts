import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNotAZip, writeUeBuildZip, type UeBuildZipOptions } from '@hangar/testing';
import type { RangeReadable } from '../archive-source/archive-source';
import { packagePolicy } from '../layout-policy/package-policy';
import { ArchiveSourceFailed } from '../rejection/archive-rejection.error';
import { inspectArchive } from './inspect-archive';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-inspect-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const zip = (options: UeBuildZipOptions = {}) => writeUeBuildZip(join(dir, `build-${counter++}.zip`), options);

/** The tiny reader a blob store would give: a fresh file stream per range. */
async function fileReader(path: string): Promise<RangeReadable> {
  const { size } = await stat(path);
  return { size, read: async (start, end) => createReadStream(path, { start, end: end - 1 }) };
}

describe('inspectArchive', () => {
  it('passes a good build and reports what it found', async () => {
    const build = await zip({ fileCount: 250 });
    const result = await inspectArchive(build.path);
    expect(result).toMatchObject({
      ok: true,
      packageRoot: '',
      report: {
        projectName: 'MyGame',
        executable: 'MyGame.exe',
        shippingExecutable: 'MyGame/Binaries/Win64/MyGame-Win64-Shipping.exe',
        ueVersion: '5.4.4',
        pixelStreaming: true,
        fileCount: 250,
        totalSize: build.totalSize,
      },
    });
    if (result.ok) expect(result.entries).toHaveLength(250);
  });

  it('reads a build zipped inside its Windows/ output folder, with zip64 records, no version and no Pixel Streaming', async () => {
    const build = await zip({ rootFolder: 'Windows', zip64: true, ueVersion: null, pixelStreaming: 'none', name: 'Demo' });
    const result = await inspectArchive(build.path);
    expect(result).toMatchObject({
      ok: true,
      packageRoot: 'Windows/',
      report: {
        projectName: 'Demo',
        executable: 'Windows/Demo.exe',
        shippingExecutable: 'Windows/Demo/Binaries/Win64/Demo-Win64-Shipping.exe',
        ueVersion: 'unknown',
        pixelStreaming: false,
      },
    });
  });

  it('finds Pixel Streaming in the project plugins too', async () => {
    const result = await inspectArchive((await zip({ pixelStreaming: 'project' })).path);
    expect(result).toMatchObject({ ok: true, report: { pixelStreaming: true } });
  });

  it('refuses a build without executables: MISSING_EXECUTABLE', async () => {
    const result = await inspectArchive((await zip({ withoutExecutables: true })).path);
    expect(result).toMatchObject({ ok: false, code: 'MISSING_EXECUTABLE' });
    if (!result.ok) expect(result.reason).toMatch(/no executable found/);
  });

  it.each([
    ['a document at the root', 'notes.docx', /notes\.docx \(not expected at the package root/],
    ['a script in the project', 'MyGame/run.sh', /MyGame\/run\.sh \(\.sh files \(script\) are not allowed\)/],
    ['a nested archive', 'Engine/Extras/tools.zip', /\.zip files \(nested archive\)/],
    ['an unknown top-level folder', 'Source/Main.txt', /unexpected top-level folder Source\//],
  ])('refuses %s: UNSUPPORTED_FILES', async (_, path, reason) => {
    const result = await inspectArchive((await zip({ extraFiles: [{ path }] })).path);
    expect(result).toMatchObject({ ok: false, code: 'UNSUPPORTED_FILES', files: [path] });
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  describe('archives nested under an allowed extension', () => {
    const smallZip = async () => (await import('node:fs/promises')).readFile((await zip({ fileCount: 12, pakSize: 1024 })).path);

    it.each([
      ['a zip named .dat', 'MyGame/Content/Data/level.dat', async () => smallZip(), /level\.dat \(a ZIP archive\)/],
      ['a 7-Zip archive named .bin', 'Engine/Content/blob.bin', async () => Buffer.from('377abcaf271c000400', 'hex'), /blob\.bin \(a 7-Zip archive\)/],
    ])('refuses %s: UNSUPPORTED_FILES', async (_, path, content, reason) => {
      const result = await inspectArchive((await zip({ extraFiles: [{ path, content: await content() }] })).path);
      expect(result).toMatchObject({ ok: false, code: 'UNSUPPORTED_FILES', files: [path], reason: expect.stringMatching(reason) });
    });

    it('lets a zip-format .pak through (exempt by default), and everything through when the policy says so', async () => {
      const content = await smallZip();
      const pak = await zip({ extraFiles: [{ path: 'MyGame/Content/Paks/pakchunk1-Windows.pak', content }] });
      await expect(inspectArchive(pak.path)).resolves.toMatchObject({ ok: true });
      const dat = await zip({ extraFiles: [{ path: 'MyGame/Content/Data/level.dat', content }] });
      await expect(inspectArchive(dat.path, packagePolicy({ refuseNestedArchiveContent: false }))).resolves.toMatchObject({ ok: true });
    });
  });

  it('refuses an HTML page: ARCHIVE_UNREADABLE, saying it is a web page', async () => {
    const page = await writeNotAZip(join(dir, 'page.zip'));
    const result = await inspectArchive(page.path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE' });
    if (!result.ok) expect(result.reason).toMatch(/^not a zip archive: the file starts with "<!DOCTYPE html>.*an HTML page/);
  });

  it('refuses a truncated zip', async () => {
    const build = await zip();
    await truncate(build.path, Math.floor(build.size / 2));
    const result = await inspectArchive(build.path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE' });
    if (!result.ok) expect(result.reason).toMatch(/truncated/);
  });

  it('refuses an entry whose CRC-32 does not match', async () => {
    const build = await zip({ corruptEntry: 'pak' });
    const result = await inspectArchive(build.path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE' });
    if (!result.ok) {
      expect(result.reason).toMatch(/^entry MyGame\/Content\/Paks\/MyGame-Windows\.pak: CRC mismatch \(expected [0-9a-f]{8}, got [0-9a-f]{8}\)$/);
    }
  });

  it('refuses a corrupt stored entry the same way', async () => {
    const result = await inspectArchive((await zip({ corruptEntry: 'pak', pakCompression: 'store' })).path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: expect.stringMatching(/CRC mismatch/) });
  });

  it('refuses an encrypted entry', async () => {
    const result = await inspectArchive((await zip({ encryptedEntry: 'MyGame.exe' })).path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: 'entry "MyGame.exe": is encrypted; Hangar needs an unencrypted zip' });
  });

  it.each([
    ['../evil.txt', /path traversal/],
    ['MyGame/../../evil.txt', /path traversal/],
    ['/etc/evil.txt', /absolute path/],
    ['C:/Windows/evil.txt', /drive letter/],
    ['MyGame\\evil.txt', /backslash/],
  ])('refuses the unsafe name %s', async (name, reason) => {
    const result = await inspectArchive((await zip({ unsafeEntryName: name })).path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: expect.stringMatching(reason) });
  });

  it.each([
    ['a symbolic link', 0o120777, /is a symbolic link/],
    ['a setuid file', 0o104755, /setuid/],
  ])('refuses %s', async (_, mode, reason) => {
    const result = await inspectArchive((await zip({ extraFiles: [{ path: 'MyGame/Content/link.txt', mode, content: '/etc/passwd' }] })).path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: expect.stringMatching(reason) });
  });

  it('refuses two entries whose names differ only by case (one file on Windows)', async () => {
    const result = await inspectArchive((await zip({ extraFiles: [{ path: 'mygame.EXE' }] })).path);
    expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: 'entry mygame.EXE: duplicate of MyGame.exe' });
  });

  it('refuses archives over the policy limits', async () => {
    const build = await zip();
    await expect(inspectArchive(build.path, packagePolicy({ maxEntries: 10 }))).resolves.toMatchObject({
      ok: false,
      reason: 'archive has 300 entries; at most 10 are accepted',
    });
    await expect(inspectArchive(build.path, packagePolicy({ maxTotalUncompressedBytes: 1000 }))).resolves.toMatchObject({
      ok: false,
      code: 'ARCHIVE_UNREADABLE',
      reason: expect.stringMatching(/would unpack to \d+ bytes; the limit is 1000 bytes/),
    });
    const bomb = await zip({ extraFiles: [{ path: 'MyGame/Content/Data/zeros.bin', content: Buffer.alloc(4 * 1024 * 1024) }] });
    await expect(inspectArchive(bomb.path)).resolves.toMatchObject({
      ok: false,
      code: 'ARCHIVE_UNREADABLE',
      reason: expect.stringMatching(/zeros\.bin: compression ratio \d+:1 is above the limit of 200:1/),
    });
  });

  describe('from a random-access reader', () => {
    it('gives the same result as from a path', async () => {
      const build = await zip({ pakSize: 3 * 1024 * 1024 });
      expect(await inspectArchive(await fileReader(build.path))).toEqual(await inspectArchive(build.path));
    });

    it('detects a corrupt entry', async () => {
      const build = await zip({ corruptEntry: 'pak' });
      const result = await inspectArchive(await fileReader(build.path));
      expect(result).toMatchObject({ ok: false, code: 'ARCHIVE_UNREADABLE', reason: expect.stringMatching(/CRC mismatch/) });
    });

    it('throws ArchiveSourceFailed, not a rejection, when the source cannot be read', async () => {
      const build = await zip();
      const reader = await fileReader(build.path);
      let reads = 0;
      const flaky: RangeReadable = {
        size: reader.size,
        read: async (start, end) => {
          if (++reads > 3) throw new Error('connection reset by blob store');
          return reader.read(start, end);
        },
      };
      await expect(inspectArchive(flaky)).rejects.toThrow(ArchiveSourceFailed);
      await expect(inspectArchive(join(dir, 'missing.zip'))).rejects.toThrow(ArchiveSourceFailed);
    });
  });
});
