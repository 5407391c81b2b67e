import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlignedFileWriter, RecentSlabs } from '@hangar/blob-store';
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

  it.each([
    ['close behind the writer: nearly everything from the slabs', true],
    ['after the writer is done: only what the last slabs still hold', false],
  ])('given the slabs the writer writes through, takes the newest bytes from them, %s, and every byte right', async (_, following) => {
    const slabBytes = 16 * 1024;
    const recent = RecentSlabs.create(4, slabBytes);
    const bytes = patterned(40 * slabBytes + 777);
    const path = join(dir, 'zip.part');
    const file = new GrowingFile(path, { heldBytes, readBytes, recent: RecentSlabs.attach(recent.shared) });
    const writer = await AlignedFileWriter.create(path, recent.slabs, { writesInFlight: 1, recent, onWritten: (n) => file.grew(n) });
    const write = async () => {
      for (let at = 0; at < bytes.length; at += 5000) {
        await writer.append(bytes.subarray(at, at + 5000));
        if (following) await new Promise((resolve) => setImmediate(resolve));
      }
      file.ended(await writer.close());
    };
    const reading = async () => {
      const pieces: Buffer[] = [];
      for await (const piece of file.read()) pieces.push(Buffer.from(piece));
      return Buffer.concat(pieces);
    };
    const [read] = following ? await Promise.all([reading(), write()]) : await write().then(async () => [await reading()]);
    expect(read.equals(bytes)).toBe(true);
    expect(file.taken.fromSlabs + file.taken.fromFile).toBe(bytes.length);
    if (following) expect(file.taken.fromSlabs).toBeGreaterThan(bytes.length / 2);
    // Behind by more than the slabs hold: what they hold at the end, at most (and never a byte of it wrong).
    else expect(file.taken.fromSlabs).toBeLessThanOrEqual(4 * slabBytes);
  });
});
