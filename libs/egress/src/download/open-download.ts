import { PassThrough, type Readable } from 'node:stream';
import got from 'got';
import type { EgressPolicy } from '../egress-policy/egress-policy';
import { assertFetchableUrl } from '../url-guard/assert-fetchable-url';
import { createEgressAgents } from '../url-guard/egress-agents';
import { EgressRefused } from '../url-guard/egress-refused.error';
import { describeDownloadFailure, type FailureContext } from './describe-failure';
import { DownloadAborted, DownloadFailed } from './download-failed.error';
import { DownloadMeter } from './download-meter';

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
}

export interface DownloadResult {
  size: number;
  sha256: string;
}

export interface OpenedDownload {
  /** The body, checked as it flows (zip signature, size cap); errors with `DownloadFailed`. */
  stream: Readable;
  /**
   * Settles once the stream has ended (all bytes read by the consumer) or failed: `DownloadFailed`, or
   * `DownloadAborted` when the consumer destroyed the stream. Always await it (or attach a handler).
   */
  result: Promise<DownloadResult>;
}

const USER_AGENT = 'Hangar build downloader';

/**
 * Starts downloading a user-given URL and returns the body as a stream for a sink such as `blobStore.put(key,
 * stream)`, plus the size and SHA-256 once it has all passed. Refusals of the URL (scheme, non-public host) fail
 * at once with `DownloadFailed`; everything else (HTTP errors, HTML instead of a zip, size, timeouts, cut
 * connections, redirects to private addresses) errors the stream and rejects `result` with `DownloadFailed`.
 */
export async function openDownload(url: string, policy: EgressPolicy, options: DownloadOptions): Promise<OpenedDownload> {
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

  const request = got.stream(target, {
    agent: createEgressAgents(policy),
    maxRedirects: context.maxRedirects,
    retry: { limit: 0 }, // the download stage decides about retries, with the whole picture
    timeout: {
      lookup: context.connectTimeoutMs,
      connect: context.connectTimeoutMs,
      secureConnect: context.connectTimeoutMs,
      socket: context.idleTimeoutMs,
      ...(options.timeoutMs ? { request: options.timeoutMs } : {}),
    },
    headers: { 'user-agent': USER_AGENT },
  });
  const meter = new DownloadMeter(options.maxBytes, () => context.host);
  const output = new PassThrough({ highWaterMark: 1024 * 1024 });

  let settled = false;
  let resolveResult!: (result: DownloadResult) => void;
  let rejectResult!: (error: Error) => void;
  const result = new Promise<DownloadResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  const fail = (error: unknown) => {
    if (settled) return;
    settled = true;
    context.bytesSoFar = meter.size;
    const failure = describeDownloadFailure(error, context);
    request.destroy();
    meter.destroy();
    output.destroy(failure);
    rejectResult(failure);
  };

  request.on('response', (response: { headers: Record<string, string | string[] | undefined> }) => {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      fail(new DownloadFailed(`the file is ${declared} bytes, over the limit of ${options.maxBytes} bytes (from ${context.host})`));
    }
  });
  request.on('error', fail);
  meter.on('error', fail);
  output.on('end', () => {
    if (settled) return;
    settled = true;
    resolveResult({ size: meter.size, sha256: meter.sha256 });
  });
  output.on('close', () => {
    if (settled) return;
    // Destroyed by the consumer: stop the transfer too.
    settled = true;
    request.destroy();
    meter.destroy();
    rejectResult(new DownloadAborted());
  });
  request.pipe(meter).pipe(output);
  return { stream: output, result };
}
