import { createHash } from 'node:crypto';

/**
 * FastCDC's gear table: 256 pseudo-random 32-bit values, one per byte value. Derived from SHA-256 of a fixed label,
 * so that every process (repository, benchmarks, a future re-chunk) cuts the same bytes at the same places: changing
 * it would make every stored chunk unmatched.
 */
export const GEAR_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let block = 0; block < 32; block++) {
    const digest = createHash('sha256').update(`hangar-fastcdc-gear-${block}`).digest();
    for (let i = 0; i < 8; i++) table[block * 8 + i] = digest.readUInt32BE(i * 4);
  }
  return table;
})();
