/**
 * `put` was told the object's size (`options.size`) and the body held a different number of bytes: a truncated
 * upload or download must never become a stored object.
 */
export class BlobSizeMismatch extends Error {
  readonly code = 'BLOB_SIZE_MISMATCH';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`blob ${key}: expected ${expected} bytes, got ${actual}`);
    this.name = 'BlobSizeMismatch';
  }
}
