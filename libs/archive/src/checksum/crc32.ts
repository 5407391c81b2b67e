import { crc32 as zlibCrc32 } from 'node:zlib';

/** CRC-32 as zip files use it, carried on from `initial` (the CRC of the bytes before): unsigned. */
export type Crc32 = (data: Uint8Array, initial?: number) => number;

/**
 * `@node-rs/crc32` and where it loaded from, or null where it does not load (no binary for the platform, an install
 * without optional dependencies) or is not wanted (`HANGAR_NATIVE_CRC32=false`).
 */
const native = loadNative();

/**
 * Which implementation `crc32` is: `native` (`@node-rs/crc32`, SIMD: 0.08 s per GiB on the machines Hangar is
 * benchmarked on) or `zlib` (Node's bundled zlib, which takes no SIMD path for CRC-32: 0.22-0.48 s per GiB). Every
 * byte of a build is checked once, on the ingest's hashing thread, so this is CPU taken from the download.
 */
export const CRC32_IMPLEMENTATION: 'native' | 'zlib' = native ? 'native' : 'zlib';

export const crc32: Crc32 = native ? native.crc32 : (data, initial = 0) => zlibCrc32(data, initial);

/**
 * The same choice as source, for a thread whose code is a string (`new Worker(source, { eval: true })`): declares
 * `crc32`.
 */
export function crc32Source(): string {
  return native
    ? `const { crc32 } = require(${JSON.stringify(native.path)});`
    : `const crc32 = (data, initial = 0) => require('node:zlib').crc32(data, initial);`;
}

function loadNative(): { path: string; crc32: Crc32 } | null {
  if (process.env.HANGAR_NATIVE_CRC32 === 'false') return null;
  try {
    const path = require.resolve('@node-rs/crc32');
    const loaded = (require(path) as { crc32: Crc32 }).crc32;
    // Called once: the binary for this platform is there and runs.
    loaded(new Uint8Array(1));
    return { path, crc32: loaded };
  } catch {
    return null;
  }
}
