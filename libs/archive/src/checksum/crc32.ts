import { crc32 as zlibCrc32 } from 'node:zlib';

/** CRC-32 as zip files use it, carried on from `initial` (the CRC of the bytes before): unsigned. */
export type Crc32 = (data: Uint8Array, initial?: number) => number;

/**
 * Where `@node-rs/crc32` loads from, or null where it does not load (a platform it ships no binary for, or an
 * install without optional dependencies): for threads whose code is a string (`crc32Source`).
 */
export const NATIVE_CRC32_MODULE: string | null = nativeModulePath();

/**
 * Which implementation `crc32` is: `native` (`@node-rs/crc32`, SIMD: 0.08 s per GiB on the machines Hangar is
 * benchmarked on) or `zlib` (Node's bundled zlib, which takes no SIMD path for CRC-32: 0.22-0.48 s per GiB). Every
 * byte of a build is checked once, on the ingest's hashing thread, so this is CPU taken from the download.
 */
export const CRC32_IMPLEMENTATION: 'native' | 'zlib' = NATIVE_CRC32_MODULE ? 'native' : 'zlib';

export const crc32: Crc32 = NATIVE_CRC32_MODULE ? (require(NATIVE_CRC32_MODULE) as { crc32: Crc32 }).crc32 : (data, initial = 0) => zlibCrc32(data, initial);

/**
 * The same choice as source, for a thread whose code is a string (`new Worker(source, { eval: true })`): declares
 * `crc32`.
 */
export function crc32Source(): string {
  return NATIVE_CRC32_MODULE
    ? `const { crc32 } = require(${JSON.stringify(NATIVE_CRC32_MODULE)});`
    : `const crc32 = (data, initial = 0) => require('node:zlib').crc32(data, initial);`;
}

function nativeModulePath(): string | null {
  if (process.env.HANGAR_NATIVE_CRC32 === 'false') return null;
  try {
    const path = require.resolve('@node-rs/crc32');
    // Loading checks that the binary for this platform is there and runs.
    (require(path) as { crc32: Crc32 }).crc32(new Uint8Array(1));
    return path;
  } catch {
    return null;
  }
}
