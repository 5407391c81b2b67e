import { seededBytes, sparseZip64 } from '@hangar/testing';
import { inspectArchive } from '../inspection/inspect-archive';
import { openArchive } from './open-archive';

/**
 * An archive past 4 GiB, never written to disk: a stored pak of 4 GiB + 1 MiB of zeros, produced on demand by a
 * range-readable source, pushes every later local header past the 32-bit offset limit. The whole pak is read and
 * its CRC-32 checked (a few seconds: zlib's crc32 runs at several GB/s).
 */
const GiB = 1024 ** 3;
const PAK_BYTES = 4 * GiB + 1024 * 1024;

const exe = (label: string, size: number) => {
  const bytes = seededBytes('zip64', label, size);
  bytes.write('MZ', 0, 'latin1');
  return bytes;
};
const buildVersion = Buffer.from(JSON.stringify({ MajorVersion: 5, MinorVersion: 3, PatchVersion: 2 }));

function bigBuild() {
  return sparseZip64([
    { path: 'MyGame.exe', content: exe('launcher', 4096) },
    { path: 'MyGame/Content/Paks/MyGame-Windows.pak', zeroBytes: PAK_BYTES },
    { path: 'MyGame/Binaries/Win64/MyGame-Win64-Shipping.exe', content: exe('shipping', 8192) },
    { path: 'Engine/Build/Build.version', content: buildVersion },
    { path: 'Manifest_NonUFSFiles_Win64.txt', content: Buffer.from('MyGame.exe\r\n') },
  ]);
}

describe('zip64 archives past 4 GiB', () => {
  it('reads sizes and local-header offsets above 4 GiB from the central directory', async () => {
    const source = bigBuild();
    expect(source.localHeaderOffsets.get('Engine/Build/Build.version')).toBeGreaterThan(4 * GiB);
    const archive = await openArchive(source);
    try {
      expect(archive.size).toBe(source.size);
      expect(archive.entries.find((e) => e.path.endsWith('.pak'))).toMatchObject({ uncompressedSize: PAK_BYTES, compressedSize: PAK_BYTES, compression: 'store' });
      // An entry whose local header lies past 4 GiB is found through its zip64 offset and cross-checked.
      const version = archive.entries.find((e) => e.path === 'Engine/Build/Build.version')!;
      const chunks: Buffer[] = [];
      for await (const chunk of await archive.openEntry(version)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks)).toEqual(buildVersion);
    } finally {
      await archive.close();
    }
  });

  it('passes inspection, with the 4 GiB entry read and its CRC-32 checked', async () => {
    const source = bigBuild();
    await expect(inspectArchive(source)).resolves.toMatchObject({
      ok: true,
      report: { projectName: 'MyGame', ueVersion: '5.3.2', fileCount: 5, totalSize: PAK_BYTES + 4096 + 8192 + buildVersion.length + 12 },
    });
  }, 30_000);
});
