/** A satisfiable byte range of a representation: inclusive start, exclusive end. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Read a `Range` header (RFC 9110 §14) against a representation of `size` bytes: a range to send (206), `null` to
 * send the whole representation (no header, a malformed one, or several ranges, which a server may ignore), or
 * `'unsatisfiable'` (416).
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size : Math.min(Number(last) + 1, size) };
}
