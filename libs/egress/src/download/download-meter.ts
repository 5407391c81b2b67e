import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DownloadFailed } from './download-failed.error';
import { isSignInPage } from './sign-in-page';
import { describeNonZip, isDocument, isZipSignature, SNIFF_BYTES, ZIP_SIGNATURE_BYTES } from './zip-signature';

/** What the meter needs to know about where the bytes come from, for its messages. */
export interface MeteredSource {
  /** The host asked for. */
  host: string;
  /** Where the last redirect landed, if any. */
  redirectedTo: URL | null;
}

export interface MeterOptions {
  maxBytes: number;
  /** Checked once the body has ended: a mismatch fails the stream before its end reaches the consumer. */
  expected?: { size?: number; sha256?: string };
  /** After each chunk, with the bytes counted so far (resumed prefix included). */
  onBytes?: (bytes: number) => void;
}

/**
 * The download's body as the consumer reads it, checked as it is fed (`feed`): the first bytes must not be a page
 * (HTML, JSON, text) where a file was expected (held back until a zip signature or enough bytes to judge have
 * arrived), the total must stay within `maxBytes` (checked as bytes arrive, so a lying or absent Content-Length
 * cannot fill a disk), and SHA-256 and size are computed on the way, in constant memory. One meter spans every
 * attempt of a resumed download, so the hash covers the whole file. A failed check destroys the stream with
 * `DownloadFailed`.
 *
 * The response's pieces are pushed as they come (a `Readable`, not a `Transform` piped into the stream the consumer
 * reads): every 64 KiB piece of a download passes through the event loop, and each stream it crosses costs there
 * (about 0.15 s of CPU per GiB apiece, on the event loop that paces the transfer).
 */
export class DownloadMeter extends Readable {
  private readonly hash = createHash('sha256');
  private head: Buffer | null = Buffer.alloc(0);
  /** Called when the consumer wants more after `feed` said it had enough: the source resumes. */
  private demand: (() => void) | null = null;
  size = 0;

  constructor(private readonly options: MeterOptions, private readonly source: () => MeteredSource) {
    super({ highWaterMark: 1024 * 1024 });
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }

  /**
   * Counts and hashes bytes the consumer already holds (a staging file from before a crash) without passing them
   * on. They went through a meter then, so they were already judged to be no page.
   */
  async absorb(prefix: Readable): Promise<void> {
    for await (const chunk of prefix) {
      this.hash.update(chunk as Buffer);
      this.size += (chunk as Buffer).length;
    }
    if (this.size > 0) this.head = null;
  }

  /** `resume` is called whenever the consumer wants more, until `onDemand` names another source (or null). */
  onDemand(resume: (() => void) | null): void {
    this.demand = resume;
  }

  /**
   * Checks, counts and hashes the next piece of the body and passes it on. False: the consumer has enough for now
   * (pause the source until `onDemand`'s callback), or the meter has failed (it is destroyed).
   */
  feed(chunk: Buffer): boolean {
    if (this.destroyed) return false;
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) {
      this.destroy(new DownloadFailed(`the file is larger than the limit of ${this.options.maxBytes} bytes (from ${this.source().host})`));
      return false;
    }
    this.hash.update(chunk);
    this.options.onBytes?.(this.size);
    if (this.head) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < ZIP_SIGNATURE_BYTES) return true;
      if (!isZipSignature(this.head) && this.head.length < SNIFF_BYTES) return true;
      const failure = this.checkSignature(this.head);
      if (failure) {
        this.destroy(failure);
        return false;
      }
      chunk = this.head;
      this.head = null;
    }
    return this.push(chunk);
  }

  /** The body has ended: the last checks (a page too short to judge before, the declared size and SHA-256), then the end. */
  finish(): void {
    if (this.destroyed) return;
    const failure = this.finalCheck();
    if (failure) return void this.destroy(failure);
    if (this.head) this.push(this.head);
    this.head = null;
    this.push(null);
  }

  override _read(): void {
    this.demand?.();
  }

  private finalCheck(): DownloadFailed | null {
    const host = this.source().host;
    if (this.head) {
      if (this.head.length === 0) return new DownloadFailed(`${host} returned an empty response, not a zip file`);
      if (this.head.length < ZIP_SIGNATURE_BYTES) return new DownloadFailed(`${host} returned ${this.head.length} bytes, too short for a zip file`);
      const failure = this.checkSignature(this.head);
      if (failure) return failure;
    }
    return this.checkExpected();
  }

  private checkExpected(): DownloadFailed | null {
    const expected = this.options.expected;
    if (expected?.size !== undefined && expected.size !== this.size) {
      return new DownloadFailed(`size mismatch: expected ${expected.size} bytes, got ${this.size}`);
    }
    const sha256 = this.sha256;
    if (expected?.sha256 !== undefined && expected.sha256.toLowerCase() !== sha256) {
      return new DownloadFailed(`SHA-256 mismatch: expected ${expected.sha256.toLowerCase()}, got ${sha256}`);
    }
    return null;
  }

  private checkSignature(head: Buffer): DownloadFailed | null {
    if (isZipSignature(head) || !isDocument(head)) return null;
    const { host, redirectedTo } = this.source();
    if (redirectedTo && isSignInPage(redirectedTo, head)) {
      return new DownloadFailed(
        `${host} redirected to a sign-in page at ${redirectedTo.host} instead of the file; use a public or pre-signed direct-download link`,
      );
    }
    return new DownloadFailed(`${host} returned ${describeNonZip(head)} instead of a zip file; use a direct-download link`);
  }
}
