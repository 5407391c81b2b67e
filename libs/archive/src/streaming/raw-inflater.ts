import { InflateRaw, constants } from 'node:zlib';

/**
 * What Node's zlib binding offers under its stream classes (`lib/zlib.js` drives every `InflateRaw` through it, and
 * has since Node 10): a synchronous inflate call into an output buffer the caller chooses, with the space left on
 * both sides reported in a `Uint32Array` the handle was initialised with, and errors reported through `onerror`.
 */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

interface HandleOwner {
  _handle?: ZlibHandle;
  _writeState?: Uint32Array;
}

export class InflateFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InflateFailed';
  }
}

export interface InflateStep {
  /** Input bytes taken. */
  read: number;
  /** Output bytes written at the start of the output given. */
  written: number;
  /** The deflate stream is complete: `read` may stop short of the input (what follows it is not deflate data). */
  ended: boolean;
}

/**
 * Raw deflate inflated into memory the caller owns. `zlib.InflateRaw` as a stream hands each output piece over in a
 * buffer of its own, which for a large deflated file is a MiB of garbage per MiB inflated; when the consumer holds
 * the pieces a while (the chunker holds up to the largest chunk), they outlive the young generation and wait for a
 * full collection: 20–35 MiB of them in the ingest thread, over the memory goal (docs/speed-log.md). This writes
 * straight into the caller's buffer instead, through the handle `InflateRaw` itself uses, and synchronously: the
 * caller's thread does the inflating (one call per MiB out) rather than a round trip through libuv's pool.
 */
export class RawInflater {
  private readonly handle: ZlibHandle;
  private readonly state: Uint32Array;
  private error: string | null = null;
  private done = false;
  private closed = false;

  constructor() {
    const owner = new InflateRaw() as unknown as HandleOwner;
    const { _handle: handle, _writeState: state } = owner;
    // Not `instanceof Uint32Array`: the array comes from Node's own realm, which is not a test sandbox's.
    if (!handle || typeof handle.writeSync !== 'function' || Object.prototype.toString.call(state) !== '[object Uint32Array]') {
      throw new Error(`RawInflater: this Node.js (${process.version}) has no zlib handle with writeSync; see raw-inflater.ts`);
    }
    this.handle = handle;
    this.state = state as Uint32Array;
    // The stream that made the handle is never used: its errors come here instead of destroying it.
    handle.onerror = (message) => {
      this.error = message;
    };
  }

  /**
   * Inflates from `input` into `output` until the output is full, the input is used up or the stream ends. With
   * `finish`, the input given is the last there is: a stream that does not end in it is truncated (`InflateFailed`);
   * call again while it fills the output.
   */
  inflate(input: Uint8Array, output: Uint8Array, finish = false): InflateStep {
    if (this.closed) throw new InflateFailed('the inflater is closed');
    if (this.done) return { read: 0, written: 0, ended: true };
    this.handle.writeSync(finish ? constants.Z_FINISH : constants.Z_NO_FLUSH, input, 0, input.length, output, 0, output.length);
    if (this.error !== null) throw new InflateFailed(this.error);
    const [outLeft, inLeft] = this.state;
    const step = { read: input.length - inLeft, written: output.length - outLeft, ended: false };
    // zlib says Z_STREAM_END only inside the handle; from outside, the stream has ended when it stops short of both
    // ends, its input and its room to write (it returns only at one of them, at its end, or failing), and, with
    // `finish`, when it did not fail ("unexpected end of file") and did not fill the output (more may follow).
    if (outLeft > 0 && (inLeft > 0 || finish)) this.done = step.ended = true;
    return step;
  }

  /** Ready for a new deflate stream (the handle and its window are kept). */
  reset(): void {
    this.handle.reset();
    this.error = null;
    this.done = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }
}
