import { InvalidBlobKey } from '../port/blob-store.port';

/** S3's limit on a key, in UTF-8 bytes; the filesystem adapter has no smaller one for a whole key. */
export const MAX_BLOB_KEY_BYTES = 1024;
/** NAME_MAX on every filesystem we store on: a longer segment could be stored in S3 but never on disk. */
export const MAX_BLOB_KEY_SEGMENT_BYTES = 255;

// Control characters: NUL truncates paths in C APIs, and XML 1.0 (S3 listings) cannot carry most of the others.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Check a key before any adapter touches storage with it, so that every adapter accepts exactly the same keys and no
 * key can name something outside the store (`..`, an absolute path, a Windows separator).
 */
export function assertValidBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKey(String(key), 'empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_BLOB_KEY_BYTES) {
    throw new InvalidBlobKey(key, `longer than ${MAX_BLOB_KEY_BYTES} bytes`);
  }
  if (key.startsWith('/')) throw new InvalidBlobKey(key, 'absolute');
  checkCharacters(key);
  for (const segment of key.split('/')) checkSegment(key, segment);
}

/**
 * A listing prefix is a key cut anywhere: every complete segment (before the last `/`) obeys the key rules, and the
 * partial last one only the character rules (`a/.hid` legitimately matches `a/.hidden`). The empty prefix lists all.
 */
export function assertValidBlobPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidBlobKey(String(prefix), 'prefix is not a string');
  if (prefix.length === 0) return;
  if (Buffer.byteLength(prefix, 'utf8') > MAX_BLOB_KEY_BYTES) {
    throw new InvalidBlobKey(prefix, `prefix longer than ${MAX_BLOB_KEY_BYTES} bytes`);
  }
  if (prefix.startsWith('/')) throw new InvalidBlobKey(prefix, 'absolute prefix');
  checkCharacters(prefix);
  const segments = prefix.split('/');
  segments.pop();
  for (const segment of segments) checkSegment(prefix, segment);
}

/**
 * The order of `list`: UTF-8 byte order, which is what S3 guarantees; JavaScript's UTF-16 order differs for
 * characters outside the Basic Multilingual Plane, so the filesystem adapter must not use `<` on strings.
 */
export function compareBlobKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkCharacters(key: string): void {
  if (key.includes('\\')) throw new InvalidBlobKey(key, 'contains a backslash');
  if (CONTROL_CHARACTER.test(key)) throw new InvalidBlobKey(key, 'contains a NUL or control character');
}

function checkSegment(key: string, segment: string): void {
  if (segment === '') throw new InvalidBlobKey(key, 'has an empty segment');
  if (segment === '.' || segment === '..') throw new InvalidBlobKey(key, `has a "${segment}" segment`);
  if (Buffer.byteLength(segment, 'utf8') > MAX_BLOB_KEY_SEGMENT_BYTES) {
    throw new InvalidBlobKey(key, `has a segment longer than ${MAX_BLOB_KEY_SEGMENT_BYTES} bytes`);
  }
}
