import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { HTTPError } from 'got';
import type { EgressPolicy } from '../egress-policy/egress-policy';
import { assertFetchableUrl } from '../url-guard/assert-fetchable-url';
import { EgressRefused } from '../url-guard/egress-refused.error';
import { describeDownloadFailure, type FailureContext } from './describe-failure';
import { startAttempt, type AnsweredAttempt } from './download-attempt';
import { DownloadAborted, DownloadFailed, DownloadRestartNeeded } from './download-failed.error';
import { DownloadMeter } from './download-meter';
import type { ResumeValidators } from './resume-validators';
import { DEFAULT_RETRY_DELAYS_MS, isRetryable } from './retry-policy';

export interface DownloadOptions {
  /** The largest body accepted, in bytes (checked against Content-Length first, then as bytes arrive). */
  maxBytes: number;
  /** Whole transfer; default none (a 30 GB build legitimately takes long). */
  timeoutMs?: number;
  /** DNS plus TCP (plus TLS) connection; default 15 s. */
  connectTimeoutMs?: number;
  /** No byte received for this long; default 60 s. */
  idleTimeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Name of the URL in refusal messages; default `fileUrl`. */
  label?: string;
  /**
   * Waits before each new attempt after a transfer broke or the server had passing trouble (5xx, 408, 429); the
   * number of entries bounds the attempts made in a row without a new byte. Default 0.5, 1, 2, 4, 8 s; `[]` never
   * retries.
   */
  retryDelaysMs?: readonly number[];
  /** What the finished file must be (the uploader's declaration): a mismatch fails the download at its end. */
  expected?: { size?: number; sha256?: string };
  /**
   * Continue a download whose first `from` bytes the consumer already holds (a staging file kept across a crash):
   * `prefix` is those bytes, read once to carry the SHA-256 on; `validators` are the ones remembered with them.
   */
  resume?: { from: number; prefix: Readable; validators: ResumeValidators };
  /** Each answered response: the validators to remember for a later resume, the file's size when known. */
  onResponse?: (response: DownloadResponse) => void | Promise<void>;
  /** After each chunk: bytes so far (resumed prefix included) and the file's size when known. */
  onProgress?: (progress: { bytes: number; totalBytes: number | null }) => void;
  /**
   * Aborting stops the transfer at once (the connection is closed, no retry follows, no more progress): the stream
   * errors and the result rejects with `DownloadAborted`.
   */
  signal?: AbortSignal;
}

export interface DownloadResponse {
  validators: ResumeValidators;
  totalBytes: number | null;
  /** The byte this response starts at (0, or where a resumed one continues). */
  from: number;
}

export interface DownloadResult {
  size: number;
  sha256: string;
}

export interface OpenedDownload {
  /** The body, checked as it flows (zip signature, size cap); errors with `DownloadFailed`. */
  stream: Readable;
  /**
   * Settles once the stream has ended (all bytes read by the consumer) or failed: `DownloadFailed`;
   * `DownloadRestartNeeded` when the transfer broke and the server cannot continue it (the consumer's bytes are
   * void: open again from 0); `DownloadAborted` when the consumer destroyed the stream. Always await it.
   */
  result: Promise<DownloadResult>;
}

/**
 * Starts downloading a user-given URL and returns the body as ONE stream for a sink such as `blobStore.put(key,
 * stream)`, plus the size and SHA-256 once it has all passed. A transfer that breaks (cut connection, idle timeout,
 * 5xx) is continued with `Range`/`If-Range` after a backoff, invisibly to the consumer; when the server cannot
 * continue it (200 instead of 206), the result is `DownloadRestartNeeded`. Refusals of the URL fail at once with
 * `DownloadFailed`; everything else final (4xx, a page instead of a zip, size, retries exhausted) errors the stream
 * and rejects `result` with `DownloadFailed`.
 */
export async function openDownload(url: string, policy: EgressPolicy, options: DownloadOptions): Promise<OpenedDownload> {
  throwIfAborted(options.signal);
  let target: URL;
  try {
    target = await assertFetchableUrl(url, policy, { label: options.label });
  } catch (error) {
    if (error instanceof EgressRefused) throw new DownloadFailed(error.reason, { cause: error });
    throw error;
  }
  const context: FailureContext = {
    host: target.host,
    bytesSoFar: 0,
    connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    timeoutMs: options.timeoutMs,
    maxRedirects: options.maxRedirects ?? 5,
  };
  let redirectedTo: URL | null = null;
  let totalBytes: number | null = null;
  const meter = new DownloadMeter(
    { maxBytes: options.maxBytes, expected: options.expected, onBytes: (bytes) => options.onProgress?.({ bytes, totalBytes }) },
    () => ({ host: context.host, redirectedTo }),
  );
  if (options.resume) await meter.absorb(options.resume.prefix);
  throwIfAborted(options.signal, () => meter.destroy());

  let settled = false;
  let current: AnsweredAttempt | null = null;
  let resolveResult!: (result: DownloadResult) => void;
  let rejectResult!: (error: Error) => void;
  const result = new Promise<DownloadResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  const onAbort = () => settle(aborted());
  const settle = (failure: Error) => {
    if (settled) return;
    settled = true;
    options.signal?.removeEventListener('abort', onAbort);
    current?.body.destroy();
    meter.destroy(failure);
    rejectResult(failure);
  };
  // Bytes taken from the server so far.
  let received = options.resume?.from ?? 0;
  const fail = (error: unknown, attempts = 1) => {
    context.bytesSoFar = received;
    const failure = describeDownloadFailure(error, context);
    settle(attempts > 1 ? new DownloadFailed(`${failure.reason} (gave up after ${attempts} attempts)`, { cause: failure }) : failure);
  };

  meter.on('error', (error) => fail(error));
  meter.on('end', () => {
    if (settled) return;
    settled = true;
    options.signal?.removeEventListener('abort', onAbort);
    resolveResult({ size: meter.size, sha256: meter.sha256 });
  });
  meter.on('close', () => {
    if (settled) return;
    // Destroyed by the consumer: stop the transfer too.
    settle(new DownloadAborted());
  });
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const transfer = async () => {
    let validators = options.resume?.validators ?? null;
    let furthest = received;
    let failedInARow = 0;
    let attempts = 0;
    for (;;) {
      const from = received;
      try {
        attempts++;
        current = await startAttempt(target, policy, context, from, validators);
        if (settled) return current.body.destroy();
        redirectedTo = current.redirectedTo;
        if (from > 0 && !current.continues) {
          throw new DownloadRestartNeeded(`${context.host} cannot continue the download after ${from} bytes (it sent the file from the start)`, from);
        }
        totalBytes = current.totalBytes;
        if (totalBytes !== null && totalBytes > options.maxBytes) {
          throw new DownloadFailed(`the file is ${totalBytes} bytes, over the limit of ${options.maxBytes} bytes (from ${context.host})`);
        }
        await options.onResponse?.({ validators: current.validators, totalBytes, from });
        validators = current.validators;
        const cut = () => new DownloadFailed(`the connection to ${context.host} was cut after ${received} bytes`, { retryable: true });
        await pump(current.body, meter, (bytes) => (received += bytes), cut);
        if (totalBytes !== null && received < totalBytes) throw cut();
        meter.finish();
        return;
      } catch (error) {
        if (settled) return;
        if (error instanceof HTTPError && error.response.statusCode === 416 && from > 0) {
          // The range asked for is past the file's end: it shrank, so it is another file.
          return settle(new DownloadRestartNeeded(`${context.host} no longer has the first ${from} bytes of the file`, from));
        }
        if (error instanceof DownloadRestartNeeded) return settle(error);
        if (!isRetryable(error)) return fail(error, attempts);
        if (received > furthest) {
          furthest = received;
          failedInARow = 0;
        }
        if (failedInARow >= delays.length) return fail(error, attempts);
        await sleep(delays[failedInARow++], undefined, { signal: options.signal }).catch(() => undefined);
        if (settled) return;
      }
    }
  };
  void transfer().catch(fail);
  return { stream: meter, result };
}

function aborted(): DownloadAborted {
  return new DownloadAborted('the download was aborted');
}

/** Throws `DownloadAborted` (after `cleanup`) when the signal has been aborted already. */
export function throwIfAborted(signal: AbortSignal | undefined, cleanup?: () => void): void {
  if (!signal?.aborted) return;
  cleanup?.();
  throw aborted();
}

/**
 * Feeds one response's body into the meter (kept open for the next attempt), pausing the body while the consumer
 * has enough; settles when the body ends or breaks.
 */
function pump(body: Readable, meter: DownloadMeter, count: (bytes: number) => void, cut: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      count(chunk.length);
      if (!meter.feed(chunk)) body.pause();
    };
    const cleanup = () => {
      meter.onDemand(null);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onEnd = () => (cleanup(), resolve());
    const onError = (error: Error) => (cleanup(), reject(error));
    const onClose = () => {
      // Closed without 'end' or 'error': treat as a cut (got reports most of these as errors itself).
      if (body.readableEnded) return onEnd();
      cleanup();
      reject(cut());
    };
    meter.onDemand(() => body.resume());
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}
