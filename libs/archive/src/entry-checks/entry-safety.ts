import * as yauzl from 'yauzl';
import { ArchiveUnreadable } from '../rejection/archive-rejection.error';
import type { ArchiveEntry } from '../opening/archive-entry';

/**
 * Entry-level refusals, all reported as ARCHIVE_UNREADABLE ("Archive could not be extracted"): these are about how
 * the archive would be unpacked (names escaping the target, links, special files, encryption, methods we cannot
 * decode), not about which files the build contains, and the fix is the same for all of them: re-zip the packaged
 * output folder with an ordinary tool. UNSUPPORTED_FILES is kept for the layout policy, whose fix is "remove these".
 */

const COMPRESSION_METHOD_NAMES: Record<number, string> = {
  1: 'Shrink', 6: 'Implode', 9: 'Deflate64', 12: 'BZIP2', 14: 'LZMA', 93: 'Zstandard', 95: 'XZ', 98: 'PPMd', 99: 'AES',
};
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const UNIX_FILE_TYPE_NAMES: Record<number, string> = {
  0o120000: 'a symbolic link', 0o020000: 'a character device', 0o060000: 'a block device', 0o010000: 'a FIFO', 0o140000: 'a socket',
};
const SETUID_SETGID_STICKY = 0o7000;
const DOS_ATTRIBUTE_REPARSE_POINT = 0x400;

function refuse(path: string, why: string): never {
  throw new ArchiveUnreadable(`entry ${JSON.stringify(path)}: ${why}`);
}

/** The entry's name as the archive spells it (UTF-8 flag or Info-ZIP Unicode path, else CP437), unaltered. */
function entryName(entry: yauzl.Entry): string {
  // strictFileNames keeps backslashes as they are, so that they can be refused rather than silently reinterpreted.
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

function checkName(name: string): { path: string; isDirectory: boolean } {
  if (name.length === 0) refuse(name, 'empty name');
  if (name.includes('\0')) refuse(name, 'name contains a NUL character');
  if (name.includes('\\')) {
    refuse(name, "name contains a backslash; re-zip with a tool that writes '/' separators (e.g. 7-Zip or tar -a)");
  }
  if (name.startsWith('/')) refuse(name, 'absolute path');
  if (/^[a-zA-Z]:/.test(name)) refuse(name, 'absolute path with a drive letter');
  // Control characters have no business in a UE path and can hide a name in logs.
  if (/[\u0001-\u001f\u007f]/.test(name)) refuse(name, 'name contains control characters');
  const isDirectory = name.endsWith('/');
  const path = isDirectory ? name.slice(0, -1) : name;
  for (const segment of path.split('/')) {
    if (segment === '..') refuse(name, "path traversal ('..' segment)");
    if (segment === '.' || segment === '') refuse(name, "empty or '.' path segment");
  }
  return { path, isDirectory };
}

function checkAttributes(name: string, entry: yauzl.Entry, isDirectory: boolean): void {
  if (entry.versionMadeBy >>> 8 === UNIX_HOST) {
    const mode = entry.externalFileAttributes >>> 16;
    const type = mode & S_IFMT;
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
      refuse(name, `is ${UNIX_FILE_TYPE_NAMES[type] ?? `a special file (mode ${type.toString(8)})`}, not a regular file`);
    }
    if (type === S_IFDIR && !isDirectory) refuse(name, 'is marked as a directory but named as a file');
    if (mode & SETUID_SETGID_STICKY) refuse(name, `has setuid/setgid/sticky bits (mode ${mode.toString(8)})`);
  }
  if (entry.externalFileAttributes & DOS_ATTRIBUTE_REPARSE_POINT) refuse(name, 'is a Windows reparse point (link or junction)');
}

function checkData(name: string, entry: yauzl.Entry, isDirectory: boolean): 'store' | 'deflate' {
  if (entry.isEncrypted()) refuse(name, 'is encrypted; Hangar needs an unencrypted zip');
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    const method = COMPRESSION_METHOD_NAMES[entry.compressionMethod] ?? `method ${entry.compressionMethod}`;
    refuse(name, `uses ${method} compression, which Hangar cannot read; re-zip with Deflate or Store`);
  }
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    refuse(name, `stored entry declares ${entry.compressedSize} bytes but ${entry.uncompressedSize} uncompressed`);
  }
  if (isDirectory && entry.uncompressedSize !== 0) refuse(name, 'directory entry with content');
  return entry.compressionMethod === 0 ? 'store' : 'deflate';
}

/** Checks one central directory record and describes it; throws `ArchiveUnreadable` for an unsafe one. */
export function toSafeEntry(entry: yauzl.Entry): ArchiveEntry {
  const name = entryName(entry);
  const { path, isDirectory } = checkName(name);
  checkAttributes(name, entry, isDirectory);
  const compression = checkData(name, entry, isDirectory);
  return {
    path,
    isDirectory,
    uncompressedSize: entry.uncompressedSize,
    compressedSize: entry.compressedSize,
    crc32: entry.crc32,
    compression,
    modifiedAt: entry.getLastModDate(),
    localHeaderOffset: entry.relativeOffsetOfLocalHeader,
  };
}
