import { HTTPError, RequestError, TimeoutError } from 'got';
import { DownloadFailed } from './download-failed.error';

/** Waits between attempts: 0.5 s doubling to 8 s, five of them (about 15 s of trying with no new byte). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000];

const RETRIED_STATUSES = new Set([408, 429]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);

/**
 * Whether trying again may help. A 4xx other than 408/429 is the server's final word (missing, private, expired
 * link); 5xx, 408 and 429 are passing trouble. A broken or silent connection is retried; a refused, unresolvable or
 * untrusted host, a redirect loop and what the body itself is (a page, too large) are not.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof DownloadFailed) return error.retryable;
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    return status >= 500 || RETRIED_STATUSES.has(status);
  }
  if (error instanceof TimeoutError) return error.event !== 'request'; // the whole-transfer limit is final
  if (error instanceof RequestError) return TRANSIENT_CODES.has(error.code);
  return false;
}
