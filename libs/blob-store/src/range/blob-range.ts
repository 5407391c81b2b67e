/** A byte range of an object: inclusive start, exclusive end (the port's convention). */
export interface BlobRange {
  start: number;
  end: number;
}

export class InvalidBlobRange extends Error {
  readonly code = 'INVALID_BLOB_RANGE';
  constructor(readonly range: BlobRange) {
    super(`invalid blob range ${JSON.stringify(range)}: want integers with 0 <= start <= end`);
    this.name = 'InvalidBlobRange';
  }
}

/**
 * Every adapter rejects the same malformed ranges. A range reaching past the end of the object is not malformed: it
 * is clipped to the object, as HTTP does, so a reader can ask for "the next 8 MiB" without knowing the size.
 */
export function assertValidBlobRange(range: BlobRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new InvalidBlobRange(range);
  }
}
