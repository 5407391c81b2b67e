import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ObjectionCode, ScanReport, StreamedEntry } from '@hangar/contracts';
import type { ArchiveSource } from '../archive-source/archive-source';
import { NESTED_ARCHIVE_SNIFF_BYTES, nestedArchiveFormat, nestedArchivesFound, sniffsForNestedArchive } from '../layout-policy/nested-archive';
import { analysePackageLayout } from '../layout-policy/package-layout';
import { DEFAULT_PACKAGE_POLICY, type PackagePolicy } from '../layout-policy/package-policy';
import type { ArchiveEntry } from '../opening/archive-entry';
import { forEachConcurrently } from '@hangar/blob-store';
import { openArchive, type OpenedArchive } from '../opening/open-archive';
import { ArchiveRejection, UnsupportedFiles } from '../rejection/archive-rejection.error';
import { confirmedByStream } from '../streaming/stream-confirmation';
import { parseBuildVersion } from './build-version';

export type ArchiveInspection =
  | {
      ok: true;
      report: ScanReport;
      /** Every entry, folders included, in central directory order. */
      entries: ArchiveEntry[];
      /** `''`, or the wrapper folder the build was zipped in (e.g. `Windows/`); report paths include it. */
      packageRoot: string;
    }
  | {
      ok: false;
      code: ObjectionCode;
      reason: string;
      /** For `UNSUPPORTED_FILES`: the offending archive paths. */
      files?: readonly string[];
    };

export interface InspectOptions {
  /** Entries inflated at once while checking CRCs; default 4. */
  concurrency?: number;
  /**
   * What streaming the zip found, by local header offset (`streamEntries`): an entry whose streamed size, CRC-32,
   * method and compressed size equal its central record's is not inflated again; every other check still runs.
   */
  streamed?: ReadonlyMap<number, StreamedEntry>;
}

/** Build.version is a few hundred bytes; anything much larger is not one. */
const MAX_BUILD_VERSION_BYTES = 64 * 1024;

/** Reads a stream to its end (so that it is verified), keeping its first `keep` bytes. */
async function drainKeepingHead(stream: Readable, keep: number): Promise<Buffer> {
  const head: Buffer[] = [];
  let kept = 0;
  for await (const chunk of stream) {
    if (kept >= keep) continue;
    const bytes = chunk as Buffer;
    head.push(bytes.subarray(0, keep - kept));
    kept += Math.min(bytes.length, keep - kept);
  }
  return Buffer.concat(head);
}

/**
 * Everything the scan stage needs to judge a build, cheapest checks first: the central directory (not a zip,
 * truncated, encrypted, unsafe names and file types, limits), the layout (executable, then the policy), and last
 * every entry inflated with its size and CRC-32 checked. A rejection is a result (`ok: false`), not an exception;
 * only a failure to read the bytes (`ArchiveSourceFailed`) or a bug throws.
 */
export async function inspectArchive(
  source: ArchiveSource,
  policy: PackagePolicy = DEFAULT_PACKAGE_POLICY,
  options: InspectOptions = {},
): Promise<ArchiveInspection> {
  let archive: OpenedArchive | undefined;
  try {
    archive = await openArchive(source, policy);
    const layout = analysePackageLayout(archive.entries, policy);
    let buildVersion: Buffer | null = null;
    const nested = new Map<ArchiveEntry, string>();
    await forEachConcurrently(
      archive.entries.filter((e) => !e.isDirectory),
      options.concurrency ?? 4,
      async (entry, _index, signal) => {
        const streamed = options.streamed?.get(entry.localHeaderOffset);
        if (confirmedByStream(entry, streamed) && entry.path !== layout.buildVersionPath) {
          await archive!.checkEntry(entry);
          if (sniffsForNestedArchive(entry.path, policy)) {
            const format = nestedArchiveFormat(Buffer.from(streamed.head, 'base64'));
            if (format) nested.set(entry, format);
          }
          return;
        }
        const stream = await archive!.openEntry(entry);
        const stop = () => stream.destroy();
        signal.addEventListener('abort', stop, { once: true });
        try {
          if (entry.path === layout.buildVersionPath && entry.uncompressedSize <= MAX_BUILD_VERSION_BYTES) {
            const chunks: Buffer[] = [];
            for await (const chunk of stream) chunks.push(chunk as Buffer);
            buildVersion = Buffer.concat(chunks);
          } else if (sniffsForNestedArchive(entry.path, policy)) {
            const format = nestedArchiveFormat(await drainKeepingHead(stream, NESTED_ARCHIVE_SNIFF_BYTES));
            if (format) nested.set(entry, format);
          } else {
            await finished(stream.resume());
          }
        } finally {
          signal.removeEventListener('abort', stop);
        }
      },
    );
    const files = archive.entries.filter((e) => !e.isDirectory);
    if (nested.size > 0) {
      throw nestedArchivesFound(files.filter((e) => nested.has(e)).map((e) => ({ path: e.path, format: nested.get(e)! })));
    }
    return {
      ok: true,
      report: {
        projectName: layout.projectName,
        executable: layout.executable,
        shippingExecutable: layout.shippingExecutable,
        ueVersion: parseBuildVersion(buildVersion),
        pixelStreaming: layout.pixelStreaming,
        fileCount: files.length,
        totalSize: files.reduce((sum, e) => sum + e.uncompressedSize, 0),
      },
      entries: [...archive.entries],
      packageRoot: layout.packageRoot,
    };
  } catch (error) {
    if (!(error instanceof ArchiveRejection)) throw error;
    return {
      ok: false,
      code: error.code,
      reason: error.reason,
      ...(error instanceof UnsupportedFiles ? { files: error.files } : {}),
    };
  } finally {
    await archive?.close();
  }
}
