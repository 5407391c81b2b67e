import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrowingFile } from './growing-file';

/** Bytes that differ from one position to the next, so that a piece read from the wrong place shows. */
function patterned(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 131 + (i >> 9) * 7) & 0xff;
  return bytes;
}

/** Writes `bytes` to `path` in pieces of `pieceSize`, telling `file` after each completed write, then that it ended. */
async function writeGrowing(path: string, bytes: Buffer, file: GrowingFile, pieceSize: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let at = 0; at < bytes.length; at += pieceSize) {
      await handle.write(bytes, at, Math.min(pieceSize, bytes.length - at), at);
      file.grew(Math.min(at + pieceSize, bytes.length));
      await new Promise((resolve) => setImmediate(resolve)); // the reader runs between writes: it meets the written edge
    }
  } finally {
    await handle.close();
  }
  file.ended(bytes.length);
}

// /tmp takes direct I/O (whole blocks, aligned); /dev/shm (tmpfs) refuses it, so reads there go through the page
// cache, any length. The ring must keep its promise both ways.
const places = [tmpdir(), ...(existsSync('/dev/shm') ? ['/dev/shm'] : [])];

describe.each(places)('GrowingFile in %s: the file read as it grows, into one ring of memory', (place) => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(place, 'hangar-growing-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const heldBytes = 40 * 1024;
  const readBytes = 16 * 1024;

  it.each([
    ['in whole blocks', 4096],
    ['in odd pieces', 5000],
    ['in pieces larger than a read', 70_000],
  ])('hands on every byte in order, %s, and keeps the last heldBytes handed on as they were', async (_, pieceSize) => {
    const bytes = patterned(1024 * 1024 + 123);
    const path = join(dir, 'zip.part');
    const file = new GrowingFile(path, { heldBytes, readBytes });
    const writing = writeGrowing(path, bytes, file, pieceSize);
    const held: { at: number; view: Buffer }[] = [];
    const memory = new Set<ArrayBufferLike>();
    let handed = 0;
    for await (const piece of file.read()) {
      memory.add(piece.buffer);
      held.push({ at: handed, view: piece });
      handed += piece.length;
      // Every byte handed on within the last heldBytes is still what the file holds there.
      while (held.length > 0 && handed - (held[0].at + held[0].view.length) >= heldBytes) held.shift();
      for (const { at, view } of held) {
        const from = Math.max(at, handed - heldBytes);
        expect(view.subarray(from - at).equals(bytes.subarray(from, at + view.length))).toBe(true);
      }
    }
    await writing;
    expect(handed).toBe(bytes.length);
    // One ring, reused: its size is the held bytes and a few reads, not the file's.
    expect(memory.size).toBe(1);
    expect([...memory][0].byteLength).toBeLessThan(heldBytes + 10 * readBytes + 64 * 1024);
  });
});
