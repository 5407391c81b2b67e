import { crc32 } from 'node:zlib';

const DESCRIPTOR_SIGNATURE = Buffer.from([0x50, 0x4b, 0x07, 0x08]);

/**
 * A zip's bytes as they arrive (an async iterable of pieces of any size), read front to back: exact reads for
 * headers, and an entry's data handed on in batches of at least `batchBytes` (inflate fed 64 KiB at a time leaves
 * the CPU idle waiting for the next call; 1 MiB keeps it busy). Holds at most one piece plus one batch.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Offset in the zip of the next byte to be read. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(atLeast: number): Promise<void> {
    // Joined only when what is pending is too short: a piece that arrives on an empty source is kept as it is.
    const parts = this.pending.length > 0 ? [this.pending] : [];
    let length = this.pending.length;
    while (length < atLeast && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const piece = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      parts.push(piece);
      length += piece.length;
    }
    if (parts.length > 0) this.pending = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
  }

  /** Exactly `n` bytes, or null when the zip ends first. */
  async read(n: number): Promise<Buffer | null> {
    if (this.pending.length < n) await this.fill(n);
    if (this.pending.length < n) return null;
    const bytes = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.position += n;
    return bytes;
  }

  /**
   * The next `n` bytes in batches of `batchBytes` (the last may be shorter); ends early only when the zip does.
   * Batches are views of the arriving pieces, which nothing writes to: no copy beyond joining small pieces.
   */
  async *take(n: number, batchBytes: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const want = Math.min(left, batchBytes);
      if (this.pending.length < want) await this.fill(want);
      const length = Math.min(want, this.pending.length);
      if (length === 0) return;
      const batch = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      this.position += length;
      left -= length;
      yield batch;
    }
  }

  /**
   * The next `n` bytes as they arrived: views of the pieces, never joined or copied (stored data, which nothing
   * inflates, has no use for batches). Ends early only when the zip does.
   */
  async *pass(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0) await this.fill(1);
      const length = Math.min(left, this.pending.length);
      if (length === 0) return;
      const piece = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      this.position += length;
      left -= length;
      yield piece;
    }
  }

  /** Puts bytes read too far back in front (inflate found its end inside a batch it was handed). */
  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending = this.pending.length ? Buffer.concat([bytes, this.pending]) : bytes;
    this.position -= bytes.length;
  }

  /**
   * Hands on data up to a data descriptor that confirms it (signature, then the CRC-32 and sizes of exactly the bytes
   * before it), consuming the descriptor: how a stored entry whose sizes follow its data is read front to back. A
   * lookalike inside the data fails the CRC-32 and size check and is passed over. Null from `found` at the end of
   * the zip without one.
   */
  async *untilDescriptor(batchBytes: number, found: (compressedSize: number | null) => void): AsyncGenerator<Buffer> {
    // 32-bit sizes (16 bytes) or zip64's 64-bit ones (24 bytes): writers differ on when they use which.
    const length = 24;
    let crc = 0;
    let count = 0;
    for (;;) {
      if (this.pending.length < batchBytes + length) await this.fill(batchBytes + length);
      let from = 0;
      let hit = this.pending.indexOf(DESCRIPTOR_SIGNATURE, from);
      let confirmed = -1;
      let formLength = 0;
      while (hit !== -1 && (hit + length <= this.pending.length || (this.ended && hit + 16 <= this.pending.length))) {
        const d = this.pending;
        const form = [16, 24].find((size) => {
          if (hit + size > d.length) return false;
          const sizeAt = (i: number) => (size === 24 ? d.readUInt32LE(hit + 8 + i * 8) + d.readUInt32LE(hit + 12 + i * 8) * 0x100000000 : d.readUInt32LE(hit + 8 + i * 4));
          return count + hit === sizeAt(0) && sizeAt(0) === sizeAt(1);
        });
        if (form && crc32(d.subarray(0, hit), crc) >>> 0 === d.readUInt32LE(hit + 4)) {
          confirmed = hit;
          formLength = form;
          break;
        }
        from = hit + 1;
        hit = this.pending.indexOf(DESCRIPTOR_SIGNATURE, from);
      }
      if (confirmed !== -1) {
        const data = this.pending.subarray(0, confirmed);
        this.pending = this.pending.subarray(confirmed + formLength);
        this.position += confirmed + formLength;
        if (data.length) yield data;
        return found(count + confirmed);
      }
      // No descriptor here: hand on all but the bytes where one could still begin.
      const safe = this.ended ? this.pending.length : Math.max(0, this.pending.length - (length - 1));
      if (safe === 0 && this.ended) return found(null);
      const data = this.pending.subarray(0, safe);
      this.pending = this.pending.subarray(safe);
      this.position += safe;
      crc = crc32(data, crc);
      count += safe;
      if (data.length) yield data;
    }
  }

  /** Reads to the end of the zip, discarding: the bytes still have to arrive (and be stored) elsewhere. */
  async drain(): Promise<void> {
    this.position += this.pending.length;
    this.pending = Buffer.alloc(0);
    while (!this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else this.position += next.value.byteLength;
    }
  }
}
