import { crc32 } from '../checksum/crc32';

const DESCRIPTOR_SIGNATURE = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
/** A signed data descriptor with zip64's 64-bit sizes, and with 32-bit ones (writers differ on when they use which). */
const DESCRIPTOR_BYTES = 24;
const SHORT_DESCRIPTOR_BYTES = 16;

/**
 * The first data descriptor in `d` that begins before `before` and confirms the bytes ahead of it: its signature,
 * then the sizes (32 or 64 bits, whichever form agrees) of the `count` bytes handed on already plus those before it
 * in `d`, and their CRC-32 when it is computed here (`crc`, of the bytes handed on; null: the caller checks the
 * CRC-32 the descriptor declares, which it returns). A descriptor must fit in `d` whole; at the zip's `end`, the
 * shorter form may end with it.
 */
function findDescriptor(d: Buffer, before: number, end: boolean, count: number, crc: number | null): { at: number; length: number; crc: number } | null {
  for (let hit = d.indexOf(DESCRIPTOR_SIGNATURE); hit !== -1 && hit < before; hit = d.indexOf(DESCRIPTOR_SIGNATURE, hit + 1)) {
    if (hit + DESCRIPTOR_BYTES > d.length && !(end && hit + SHORT_DESCRIPTOR_BYTES <= d.length)) break;
    const length = [SHORT_DESCRIPTOR_BYTES, DESCRIPTOR_BYTES].find((size) => {
      if (hit + size > d.length) return false;
      const sizeAt = (i: number) => (size === DESCRIPTOR_BYTES ? d.readUInt32LE(hit + 8 + i * 8) + d.readUInt32LE(hit + 12 + i * 8) * 0x100000000 : d.readUInt32LE(hit + 8 + i * 4));
      return count + hit === sizeAt(0) && sizeAt(0) === sizeAt(1);
    });
    if (!length) continue;
    const declared = d.readUInt32LE(hit + 4);
    if (crc === null || crc32(d.subarray(0, hit), crc) >>> 0 === declared) return { at: hit, length, crc: declared };
  }
  return null;
}

/**
 * A zip's bytes as they arrive (an async iterable of pieces of any size), read front to back: exact reads for
 * headers (small pieces joined), and an entry's data handed on as views of the pieces. Holds at most one piece plus
 * a header.
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

  /** The next piece as it arrived, or null at the end of the zip. */
  private async nextPiece(): Promise<Buffer | null> {
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return null;
    }
    return Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
  }

  private async fill(atLeast: number): Promise<void> {
    // Joined only when what is pending is too short: a piece that arrives on an empty source is kept as it is.
    const parts = this.pending.length > 0 ? [this.pending] : [];
    let length = this.pending.length;
    while (length < atLeast && !this.ended) {
      const piece = await this.nextPiece();
      if (!piece) break;
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
   * The next `n` bytes as they arrived: views of the pieces (valid as long as the source keeps them: see
   * `STREAM_HELD_BYTES`), never joined or copied. Joining pieces into batches for inflate copied every deflated byte
   * into a fresh buffer: a MiB of garbage per MiB, most of a deflated build's excess memory (docs/speed-log.md); the
   * inflater now takes any piece synchronously, so batches buy nothing. Ends early only when the zip does.
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

  /** Puts bytes read too far back in front (inflate found its end inside a piece it was handed). */
  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending = this.pending.length ? Buffer.concat([bytes, this.pending]) : bytes;
    this.position -= bytes.length;
  }

  /**
   * Hands on data up to a data descriptor that confirms it (signature, then the CRC-32 and sizes of exactly the bytes
   * before it), consuming the descriptor: how a stored entry whose sizes follow its data is read front to back. A
   * lookalike inside the data fails the CRC-32 and size check and is passed over. `found` learns the data's length
   * (null at the end of the zip without a descriptor) and its CRC-32, which this had to compute anyway: the caller
   * need not run a second one over the same bytes.
   *
   * With `computeCrc` false the descriptor is known by its signature and sizes alone (both sizes equal to the bytes
   * before it: 64 bits of agreement, where the CRC-32 adds 32 more) and `found` gets the CRC-32 it declares, for
   * the caller to check against the bytes as it kept them (one pass over them instead of two). A lookalike that
   * passes cuts the entry short: what follows is then no local header, the stream stops, and nothing of the entry
   * is taken without the central directory's own record agreeing.
   *
   * The data goes on as views of the pieces as they arrived. Only a descriptor that may straddle two pieces needs
   * bytes of both: those few bytes are joined into a small seam, never a piece (joining the last bytes of one piece
   * with the whole next one copied every byte of the entry once more).
   */
  async *untilDescriptor(found: (compressedSize: number | null, crc32: number) => void, computeCrc = true): AsyncGenerator<Buffer> {
    let crc = 0;
    const crcSoFar = () => (computeCrc ? crc : null);
    let count = 0;
    for (;;) {
      if (this.pending.length < DESCRIPTOR_BYTES && !this.ended) {
        const tail = this.pending;
        const next = await this.nextPiece();
        if (!next) continue; // the end: what is pending is judged as the zip's last bytes
        if (next.length < DESCRIPTOR_BYTES) {
          this.pending = Buffer.concat([tail, next]); // a few bytes: joined, and looked at again
          continue;
        }
        // A descriptor that begins in the tail ends in the seam: look there for one, and nowhere else.
        const seam = Buffer.concat([tail, next.subarray(0, DESCRIPTOR_BYTES)]);
        const descriptor = findDescriptor(seam, tail.length, false, count, crcSoFar());
        if (descriptor) {
          this.pending = next.subarray(descriptor.at + descriptor.length - tail.length);
          this.position += descriptor.at + descriptor.length;
          if (descriptor.at > 0) yield seam.subarray(0, descriptor.at);
          return found(count + descriptor.at, descriptor.crc);
        }
        this.pending = next;
        if (tail.length > 0) {
          this.position += tail.length;
          if (computeCrc) crc = crc32(tail, crc);
          count += tail.length;
          yield tail;
        }
        continue;
      }
      const descriptor = findDescriptor(this.pending, this.pending.length, this.ended, count, crcSoFar());
      if (descriptor) {
        const data = this.pending.subarray(0, descriptor.at);
        this.pending = this.pending.subarray(descriptor.at + descriptor.length);
        this.position += descriptor.at + descriptor.length;
        if (data.length) yield data;
        return found(count + descriptor.at, descriptor.crc);
      }
      // No descriptor here: hand on all but the bytes where one could still begin.
      const safe = this.ended ? this.pending.length : this.pending.length - (DESCRIPTOR_BYTES - 1);
      if (safe === 0 && this.ended) return found(null, crc >>> 0);
      const data = this.pending.subarray(0, safe);
      this.pending = this.pending.subarray(safe);
      this.position += safe;
      if (computeCrc) crc = crc32(data, crc);
      count += safe;
      if (data.length) yield data;
    }
  }

  /** Reads to the end of the zip, discarding: the bytes still have to arrive (and be stored) elsewhere. */
  async drain(): Promise<void> {
    this.position += this.pending.length;
    this.pending = Buffer.alloc(0);
    while (!this.ended) {
      const piece = await this.nextPiece();
      if (piece) this.position += piece.length;
    }
  }
}
