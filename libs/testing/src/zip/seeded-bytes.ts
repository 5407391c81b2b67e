import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * Deterministic, incompressible bytes: AES-256-CTR over zeros, keyed by `seed` and a label. Fast (GB/s with AES
 * instructions), so a multi-GB pak costs little more than writing it, and the same seed always gives the same zip.
 */
function keystream(seed: string, label: string) {
  const key = createHash('sha256').update(`${seed}\0${label}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

export function seededBytes(seed: string, label: string, size: number): Buffer {
  return keystream(seed, label).update(Buffer.alloc(size));
}

const CHUNK = 1024 * 1024;

/** A stream of `size` seeded bytes, produced 1 MiB at a time: nothing of the whole sits in memory. */
export function seededByteStream(seed: string, label: string, size: number): Readable {
  const cipher = keystream(seed, label);
  const zeros = Buffer.alloc(CHUNK);
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(left, CHUNK);
      left -= n;
      this.push(cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n)));
    },
  });
}

/** A small deterministic PRNG (mulberry32) for choices such as file sizes and names. */
export function seededRandom(seed: string, label: string): () => number {
  let state = createHash('sha256').update(`${seed}\0${label}`).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
