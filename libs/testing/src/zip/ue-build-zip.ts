import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { seededByteStream, seededBytes, seededRandom } from './seeded-bytes';
import { corruptEntryData, markEntryEncrypted, renameEntry } from './zip-patch';

/**
 * A packaged Unreal Engine Windows build, zipped the way users upload it, for tests of the download, scan and
 * store stages. Everything is derived from `seed`: the same options always give the same bytes.
 */
export interface UeBuildZipOptions {
  /** Project name; default `MyGame`. */
  name?: string;
  /** Default `hangar`. */
  seed?: string;
  /** Size of `<Name>/Content/Paks/<Name>-Windows.pak` in bytes (random, incompressible, streamed); default 256 KiB. */
  pakSize?: number;
  /** The pak is deflated (level 1, as 7-Zip's fastest would) unless `store`. */
  pakCompression?: 'deflate' | 'store';
  /** Total number of file entries to reach with small filler files; default 300. */
  fileCount?: number;
  /** `Engine/Build/Build.version`; `null` leaves the file out. Default 5.4.4. */
  ueVersion?: { major: number; minor: number; patch: number } | null;
  /** Where Pixel Streaming plugin files go; default `engine`. */
  pixelStreaming?: 'engine' | 'project' | 'both' | 'none';
  /** Wrap everything in one top-level folder, as when a user zips the `Windows/` output folder itself. */
  rootFolder?: string;
  /** Forces zip64 records even for a small archive. */
  zip64?: boolean;

  // Bad builds.
  /** Leaves out every `.exe`. */
  withoutExecutables?: boolean;
  /** Extra entries, e.g. `{ path: 'notes.docx' }`, or a symlink with `mode: 0o120777`; deflated unless `compress: false`. */
  extraFiles?: { path: string; content?: string | Buffer; mode?: number; compress?: boolean }[];
  /** An entry with a name yazl refuses to write (`../evil.txt`, `/etc/x`, `C:/x`, `a\\b.txt`): patched in. */
  unsafeEntryName?: string;
  /** Flips a byte inside this entry's compressed data (`'pak'` for the pak) so that its CRC-32 no longer matches. */
  corruptEntry?: string | 'pak';
  /** Sets the "encrypted" flag on this entry (`'pak'` for the pak). */
  encryptedEntry?: string | 'pak';
}

export interface UeBuildZip {
  path: string;
  /** Size of the zip file in bytes. */
  size: number;
  /** Number of file entries (directories are not written). */
  fileCount: number;
  /** Sum of the entries' uncompressed sizes. */
  totalSize: number;
  name: string;
  /** Archive paths of the notable entries (null when left out). */
  paths: { launcher: string | null; shippingExecutable: string | null; pak: string };
}

const FIXED_MTIME = new Date('2024-01-02T03:04:06Z');
const FILLER_EXTENSIONS = ['ttf', 'res', 'dat', 'bin', 'png', 'json', 'ini', 'txt'] as const;

/** Options every entry shares: a fixed time (determinism) and, on request, zip64 records. */
interface SharedEntryOptions {
  mtime: Date;
  forceZip64Format: boolean;
}

interface PlannedEntry {
  path: string;
  size: number;
  add(zip: ZipFile, shared: SharedEntryOptions): void;
}

function bufferEntry(path: string, content: Buffer, mode?: number, compress?: boolean): PlannedEntry {
  return {
    path,
    size: content.length,
    add: (zip, shared) =>
      zip.addBuffer(content, path, { ...shared, ...(mode !== undefined ? { mode } : {}), ...(compress !== undefined ? { compress } : {}) }),
  };
}

/** A small Windows PE-looking binary: `MZ` then seeded bytes. */
function fakeBinary(seed: string, path: string, size: number): Buffer {
  const bytes = seededBytes(seed, path, size);
  bytes.write('MZ', 0, 'latin1');
  return bytes;
}

function buildVersion(version: { major: number; minor: number; patch: number }): Buffer {
  return Buffer.from(
    JSON.stringify(
      {
        MajorVersion: version.major,
        MinorVersion: version.minor,
        PatchVersion: version.patch,
        Changelist: 0,
        CompatibleChangelist: 0,
        IsLicenseeVersion: 0,
        IsPromotedBuild: 1,
        BranchName: `++UE5+Release-${version.major}.${version.minor}`,
      },
      null,
      '\t',
    ),
  );
}

function fillerContent(seed: string, path: string, extension: string, size: number): Buffer {
  if (extension === 'json') return Buffer.from(JSON.stringify({ path, padding: 'x'.repeat(size) }));
  if (extension === 'ini' || extension === 'txt') {
    return Buffer.from(`; ${path}\n[Section]\nKey=${seededBytes(seed, path, size).toString('hex')}\n`);
  }
  return seededBytes(seed, path, size);
}

function planEntries(options: Required<Pick<UeBuildZipOptions, 'name' | 'seed' | 'pakSize' | 'fileCount'>> & UeBuildZipOptions) {
  const { name, seed } = options;
  const root = options.rootFolder ? `${options.rootFolder.replace(/\/+$/, '')}/` : '';
  const entries: PlannedEntry[] = [];
  const exe = !options.withoutExecutables;

  const launcher = exe ? `${root}${name}.exe` : null;
  const shipping = exe ? `${root}${name}/Binaries/Win64/${name}-Win64-Shipping.exe` : null;
  const pak = `${root}${name}/Content/Paks/${name}-Windows.pak`;

  if (launcher) entries.push(bufferEntry(launcher, fakeBinary(seed, launcher, 96 * 1024)));
  if (shipping) entries.push(bufferEntry(shipping, fakeBinary(seed, shipping, 192 * 1024)));
  if (exe) {
    const crashReporter = `${root}Engine/Binaries/Win64/CrashReportClient.exe`;
    entries.push(bufferEntry(crashReporter, fakeBinary(seed, crashReporter, 32 * 1024)));
  }
  entries.push({
    path: pak,
    size: options.pakSize,
    add: (zip, shared) =>
      zip.addReadStreamLazy(
        pak,
        { ...shared, size: options.pakSize, compressionLevel: options.pakCompression === 'store' ? 0 : 1 },
        (cb) => cb(null, seededByteStream(seed, pak, options.pakSize)),
      ),
  });
  for (const dll of [
    'Engine/Binaries/ThirdParty/DbgHelp/dbghelp.dll',
    'Engine/Binaries/ThirdParty/Windows/DirectX/x64/D3D12Core.dll',
    'Engine/Binaries/ThirdParty/NVIDIA/NVaftermath/Win64/GFSDK_Aftermath_Lib.x64.dll',
  ]) {
    entries.push(bufferEntry(`${root}${dll}`, fakeBinary(seed, dll, 24 * 1024)));
  }
  if (options.ueVersion !== null) {
    entries.push(bufferEntry(`${root}Engine/Build/Build.version`, buildVersion(options.ueVersion ?? { major: 5, minor: 4, patch: 4 })));
  }
  const pixelStreaming = options.pixelStreaming ?? 'engine';
  if (pixelStreaming === 'engine' || pixelStreaming === 'both') {
    const base = `${root}Engine/Plugins/Media/PixelStreaming`;
    entries.push(bufferEntry(`${base}/PixelStreaming.uplugin`, Buffer.from('{"FileVersion":3,"FriendlyName":"Pixel Streaming"}')));
    entries.push(bufferEntry(`${base}/Resources/Icon128.png`, seededBytes(seed, `${base}/icon`, 2048)));
  }
  if (pixelStreaming === 'project' || pixelStreaming === 'both') {
    const base = `${root}${name}/Plugins/PixelStreamingExtras`;
    entries.push(bufferEntry(`${base}/PixelStreamingExtras.uplugin`, Buffer.from('{"FileVersion":3,"FriendlyName":"Pixel Streaming Extras"}')));
  }
  for (const extra of options.extraFiles ?? []) {
    entries.push(bufferEntry(extra.path, Buffer.from(extra.content ?? `extra file ${extra.path}\n`), extra.mode, extra.compress));
  }
  let unsafePlaceholder: string | null = null;
  if (options.unsafeEntryName) {
    // Same byte length as the unsafe name, only safe characters: renamed in place once the zip is written.
    unsafePlaceholder = 'u'.repeat(Buffer.byteLength(options.unsafeEntryName, 'utf8'));
    entries.push(bufferEntry(unsafePlaceholder, Buffer.from('you should never see this file\n')));
  }

  const manifestPath = `${root}Manifest_NonUFSFiles_Win64.txt`;
  const random = seededRandom(seed, 'filler');
  const fillerCount = Math.max(0, options.fileCount - entries.length - 1);
  for (let i = 0; i < fillerCount; i++) {
    const extension = FILLER_EXTENSIONS[i % FILLER_EXTENSIONS.length];
    const folder = i % 2 === 0 ? `Engine/Content/Internationalization/icudt64l/set${i % 7}` : `${name}/Content/Data/set${i % 5}`;
    const path = `${root}${folder}/file${String(i).padStart(4, '0')}.${extension}`;
    entries.push(bufferEntry(path, fillerContent(seed, path, extension, 64 + Math.floor(random() * 2048))));
  }
  const manifest = entries.map((e) => `${e.path}\t${FIXED_MTIME.toISOString()}`).join('\r\n') + '\r\n';
  entries.push(bufferEntry(manifestPath, Buffer.from(manifest)));

  return { entries, launcher, shipping, pak, unsafePlaceholder };
}

export async function writeUeBuildZip(path: string, options: UeBuildZipOptions = {}): Promise<UeBuildZip> {
  const resolved = { name: 'MyGame', seed: 'hangar', pakSize: 256 * 1024, fileCount: 300, ...options };
  const plan = planEntries(resolved);

  const zip = new ZipFile();
  const shared = { mtime: FIXED_MTIME, forceZip64Format: !!resolved.zip64 };
  for (const entry of plan.entries) entry.add(zip, shared);
  zip.end({ forceZip64Format: !!resolved.zip64, comment: '' });
  await pipeline(zip.outputStream, createWriteStream(path));

  const target = (which: string | undefined) => (which === 'pak' ? plan.pak : which);
  if (plan.unsafePlaceholder && resolved.unsafeEntryName) await renameEntry(path, plan.unsafePlaceholder, resolved.unsafeEntryName);
  const corrupt = target(resolved.corruptEntry);
  if (corrupt) await corruptEntryData(path, corrupt);
  const encrypted = target(resolved.encryptedEntry);
  if (encrypted) await markEntryEncrypted(path, encrypted);

  return {
    path,
    size: (await stat(path)).size,
    fileCount: plan.entries.length,
    totalSize: plan.entries.reduce((sum, e) => sum + e.size, 0),
    name: resolved.name,
    paths: { launcher: plan.launcher, shippingExecutable: plan.shipping, pak: plan.pak },
  };
}

/** An HTML page saved under a .zip name: what a share link to a login or download page gives. */
export async function writeNotAZip(path: string): Promise<{ path: string; size: number }> {
  const html =
    '<!DOCTYPE html>\n<html><head><title>Sign in - Cloud Drive</title></head>\n' +
    '<body><form action="/login"><input name="user"><button>Download MyGame.zip</button></form></body></html>\n';
  await writeFile(path, html);
  return { path, size: Buffer.byteLength(html) };
}
