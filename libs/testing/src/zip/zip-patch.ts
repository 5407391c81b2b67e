import { open, type FileHandle } from 'node:fs/promises';
import * as yauzl from 'yauzl';

/**
 * Byte-level edits of a written zip, to make archives that no well-behaved writer produces (yazl refuses unsafe
 * names, never sets the encryption flag, never writes a bad CRC). yauzl only locates the headers here: it reads
 * the central directory, and each record's own offset is its cursor before the record is read.
 */
export interface EntryHeaders {
  name: string;
  centralHeaderOffset: number;
  localHeaderOffset: number;
  compressedSize: number;
}

export async function locateEntry(zipPath: string, name: string): Promise<EntryHeaders> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    for (;;) {
      const centralHeaderOffset = (zip as unknown as { readEntryCursor: number }).readEntryCursor;
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(null));
        zip.once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (!entry) throw new Error(`zip ${zipPath} has no entry ${name}`);
      if (entry.fileName === name) {
        return {
          name,
          centralHeaderOffset,
          localHeaderOffset: entry.relativeOffsetOfLocalHeader,
          compressedSize: entry.compressedSize,
        };
      }
    }
  } finally {
    zip.close();
  }
}

async function withFile<T>(zipPath: string, edit: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(zipPath, 'r+');
  try {
    return await edit(file);
  } finally {
    await file.close();
  }
}

async function readUInt16(file: FileHandle, position: number): Promise<number> {
  const buffer = Buffer.alloc(2);
  await file.read(buffer, 0, 2, position);
  return buffer.readUInt16LE(0);
}

/** Renames an entry in both its local and central headers; the new name must have the same byte length. */
export async function renameEntry(zipPath: string, from: string, to: string): Promise<void> {
  const raw = Buffer.from(to, 'utf8');
  if (raw.length !== Buffer.byteLength(from, 'utf8')) throw new Error(`rename ${from} -> ${to}: lengths differ`);
  const at = await locateEntry(zipPath, from);
  await withFile(zipPath, async (file) => {
    await file.write(raw, 0, raw.length, at.centralHeaderOffset + 46);
    await file.write(raw, 0, raw.length, at.localHeaderOffset + 30);
  });
}

/** Sets general-purpose bit 0 ("encrypted") in both headers; the data stays plain, as a liar would leave it. */
export async function markEntryEncrypted(zipPath: string, name: string): Promise<void> {
  const at = await locateEntry(zipPath, name);
  await withFile(zipPath, async (file) => {
    for (const position of [at.centralHeaderOffset + 8, at.localHeaderOffset + 6]) {
      const flags = await readUInt16(file, position);
      const buffer = Buffer.alloc(2);
      buffer.writeUInt16LE(flags | 0x0001, 0);
      await file.write(buffer, 0, 2, position);
    }
  });
}

/**
 * Inverts one byte in the middle of an entry's compressed data. For incompressible content (deflate falls back to
 * stored blocks) or a stored entry, this changes the inflated bytes without breaking the deflate stream: the CRC is
 * then the only thing that can tell.
 */
export async function corruptEntryData(zipPath: string, name: string): Promise<void> {
  const at = await locateEntry(zipPath, name);
  if (at.compressedSize === 0) throw new Error(`entry ${name} has no data to corrupt`);
  await withFile(zipPath, async (file) => {
    const nameLength = await readUInt16(file, at.localHeaderOffset + 26);
    const extraLength = await readUInt16(file, at.localHeaderOffset + 28);
    const position = at.localHeaderOffset + 30 + nameLength + extraLength + Math.floor(at.compressedSize / 2);
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, position);
    byte[0] ^= 0xff;
    await file.write(byte, 0, 1, position);
  });
}
