import { UnsupportedFiles } from '../rejection/archive-rejection.error';
import { extensionOf } from './package-layout';
import type { PackagePolicy } from './package-policy';

const MAX_LISTED_FILES = 10;

/**
 * Archives hidden under an allowed extension (`data.dat` that is a zip). The extension policy already refuses
 * `.zip`, `.7z`, `.rar`...; this looks at the first bytes of each file, which the scan inflates anyway, for the
 * container formats that hold a tree of files: those are what could carry unscanned files onto a streaming server.
 * Single-stream compressors (gzip, xz, zstd, bzip2) are not looked for: games keep their own compressed blobs in
 * `.bin`/`.dat` files, and Hangar never unpacks anything nested, so such a blob cannot bomb the scanner.
 */

/** How many leading bytes `nestedArchiveFormat` needs (the tar magic sits at offset 257). */
export const NESTED_ARCHIVE_SNIFF_BYTES = 262;

const SIGNATURES: { format: string; offset: number; bytes: Buffer }[] = [
  { format: 'a ZIP archive', offset: 0, bytes: Buffer.from('PK\x03\x04', 'latin1') },
  { format: 'a ZIP archive', offset: 0, bytes: Buffer.from('PK\x05\x06', 'latin1') },
  { format: 'a ZIP archive', offset: 0, bytes: Buffer.from('PK\x07\x08', 'latin1') },
  { format: 'a 7-Zip archive', offset: 0, bytes: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { format: 'a RAR archive', offset: 0, bytes: Buffer.from('Rar!\x1a\x07', 'latin1') },
  { format: 'a CAB archive', offset: 0, bytes: Buffer.from('MSCF\0\0\0\0', 'latin1') },
  { format: 'a tar archive', offset: 257, bytes: Buffer.from('ustar', 'latin1') },
];

/** The container format the bytes start with, or null. */
export function nestedArchiveFormat(head: Buffer): string | null {
  for (const { format, offset, bytes } of SIGNATURES) {
    if (head.length >= offset + bytes.length && head.subarray(offset, offset + bytes.length).equals(bytes)) return format;
  }
  return null;
}

/** Whether the policy wants this file's first bytes looked at. */
export function sniffsForNestedArchive(path: string, policy: PackagePolicy): boolean {
  return policy.refuseNestedArchiveContent && !policy.nestedArchiveContentExemptExtensions.includes(extensionOf(path));
}

/** `UnsupportedFiles` listing the disguised archives, in archive order. */
export function nestedArchivesFound(found: readonly { path: string; format: string }[]): UnsupportedFiles {
  const listed = found.slice(0, MAX_LISTED_FILES).map((f) => `${f.path} (${f.format})`).join(', ');
  const more = found.length > MAX_LISTED_FILES ? ` and ${found.length - MAX_LISTED_FILES} more` : '';
  return new UnsupportedFiles(
    `${found.length} file${found.length === 1 ? ' is' : 's are'} an archive nested in the build: ${listed}${more}; ` +
      'extract them into the package before zipping it, or remove them',
    found.map((f) => f.path),
  );
}
