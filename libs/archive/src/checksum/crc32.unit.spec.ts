import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CRC32_IMPLEMENTATION, crc32, crc32Source } from './crc32';

const DATA = randomBytes(256 * 1024 + 13);
const EXPECTED = zlibCrc32(DATA);

/** The CRC of `DATA` carried across pieces of the given lengths. */
function inPieces(lengths: number[], of: Uint8Array = DATA): number {
  let crc = 0;
  let at = 0;
  for (const length of lengths) {
    crc = crc32(of.subarray(at, at + length), crc);
    at += length;
  }
  return crc32(of.subarray(at), crc);
}

describe('crc32', () => {
  it('takes the SIMD implementation on this platform, where @node-rs/crc32 ships a binary', () => {
    // Every platform CI and the Dockerfile run on (Linux x64/arm64, glibc or musl) has one; elsewhere zlib serves.
    expect(CRC32_IMPLEMENTATION).toBe('native');
  });

  it("gives zlib's CRC-32, whole or carried across pieces of any length, empty ones included", () => {
    expect(crc32(DATA)).toBe(EXPECTED);
    expect(inPieces([0, 1, 7, 4096, 0, 65_537, 3])).toBe(EXPECTED);
    expect(crc32(new Uint8Array(0), 1234)).toBe(1234);
  });

  it('reads views of shared memory at any offset (the hashing thread hashes the chunk ring)', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(DATA.length + 5), 5, DATA.length);
    shared.set(DATA);
    expect(inPieces([3, 100_001], shared)).toBe(EXPECTED);
  });

  it('is the same in a thread whose code is a string', async () => {
    const source = `${crc32Source()}
      const { parentPort, workerData } = require('node:worker_threads');
      parentPort.postMessage(crc32(workerData.subarray(1000), crc32(workerData.subarray(0, 1000))));`;
    const worker = new Worker(source, { eval: true, workerData: DATA });
    const answer = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    expect(answer).toBe(EXPECTED);
  });

  it("falls back to zlib's with HANGAR_NATIVE_CRC32=false, with the same results", () => {
    process.env.HANGAR_NATIVE_CRC32 = 'false';
    try {
      jest.isolateModules(() => {
        const fallback = require('./crc32') as typeof import('./crc32');
        expect(fallback.CRC32_IMPLEMENTATION).toBe('zlib');
        expect(fallback.crc32(DATA.subarray(1000), fallback.crc32(DATA.subarray(0, 1000)))).toBe(EXPECTED);
        expect(fallback.crc32Source()).toContain("require('node:zlib')");
      });
    } finally {
      delete process.env.HANGAR_NATIVE_CRC32;
    }
  });
});
