import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DownloadFailed } from './download-failed.error';
import { describeNonZip, isDocument, isZipSignature, SNIFF_BYTES, ZIP_SIGNATURE_BYTES } from './zip-signature';

/**
 * Passes the body through while checking it: the first bytes must not be a page (HTML, JSON, text) where a file was
 * expected (held back until a zip signature or enough bytes to judge have arrived), the total must stay within `maxBytes` (checked as bytes arrive, so a lying or absent Content-Length
 * cannot fill a disk), and SHA-256 and size are computed on the way, in constant memory.
 */
export class DownloadMeter extends Transform {
  private readonly hash = createHash('sha256');
  private head: Buffer | null = Buffer.alloc(0);
  size = 0;

  constructor(private readonly maxBytes: number, private readonly describeSource: () => string) {
    super();
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      return callback(new DownloadFailed(`the file is larger than the limit of ${this.maxBytes} bytes (from ${this.describeSource()})`));
    }
    this.hash.update(chunk);
    if (this.head) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < ZIP_SIGNATURE_BYTES) return callback();
      if (!isZipSignature(this.head) && this.head.length < SNIFF_BYTES) return callback();
      const failure = this.checkSignature(this.head);
      if (failure) return callback(failure);
      chunk = this.head;
      this.head = null;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.head) {
      if (this.head.length === 0) return callback(new DownloadFailed(`${this.describeSource()} returned an empty response, not a zip file`));
      if (this.head.length < ZIP_SIGNATURE_BYTES) {
        return callback(new DownloadFailed(`${this.describeSource()} returned ${this.head.length} bytes, too short for a zip file`));
      }
      const failure = this.checkSignature(this.head);
      if (failure) return callback(failure);
      this.push(this.head);
      this.head = null;
    }
    callback();
  }

  private checkSignature(head: Buffer): DownloadFailed | null {
    if (isZipSignature(head) || !isDocument(head)) return null;
    return new DownloadFailed(
      `${this.describeSource()} returned ${describeNonZip(head)} instead of a zip file; use a direct-download link`,
    );
  }
}
