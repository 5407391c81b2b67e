/**
 * The canonical serialisation of a JSON value that event hashes are computed over: RFC 8785 (JSON Canonicalization
 * Scheme) for the values a JSON event store holds. Object keys are sorted by UTF-16 code units (JavaScript's default
 * sort), members whose value is `undefined` are left out (as JSON.stringify does), and strings, numbers, booleans and
 * null are written as ECMAScript's JSON.stringify writes them, which is what RFC 8785 prescribes. No whitespace.
 * Hand-written rather than the `canonicalize` package: that one is ESM-only, and this project is CommonJS.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .sort()
    .filter((key) => object[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
}
