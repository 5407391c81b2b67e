import { Readable } from 'node:stream';

const CHUNK = 256 * 1024;

/**
 * The bytes `[offset, offset + length)` of an endless deterministic sequence: large test downloads without a file on
 * disk, whose every byte a test can recompute. Not periodic over any short distance, so that a download that resumes
 * at the wrong offset is caught.
 */
export function generatedBytes(offset: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  // Plain integer arithmetic only: Math.imul and Math.floor are ~100x slower inside Jest's sandbox.
  for (let i = 0; i < length; i++) {
    const position = offset + i;
    const low = position >>> 0;
    const high = (position / 0x1_0000_0000) | 0;
    const mixed = ((low ^ (low >>> 13) ^ high) * 40503) >>> 0; // < 2^48 before the cut: exact
    bytes[i] = ((mixed ^ (mixed >>> 16)) >>> 5) & 0xff;
  }
  return bytes;
}

/** `generatedBytes` for `[start, end)`, as a stream of 256 KiB chunks produced on demand. */
export function generatedStream(start: number, end: number): Readable {
  let position = start;
  return new Readable({
    read() {
      if (position >= end) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, end - position);
      this.push(generatedBytes(position, length));
      position += length;
    },
  });
}
