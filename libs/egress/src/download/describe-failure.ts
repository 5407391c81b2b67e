import { HTTPError, MaxRedirectsError, RequestError, TimeoutError } from 'got';
import { PRIVATE_NETWORKS_SETTING } from '../egress-policy/egress-policy';
import { isRefusedConnection } from '../url-guard/egress-agents';
import { DownloadFailed } from './download-failed.error';

export interface FailureContext {
  /** Host of the URL asked for; got's error names the hop that failed, which may be a redirect target. */
  host: string;
  bytesSoFar: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  timeoutMs?: number;
  maxRedirects: number;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

function hostOf(error: RequestError, fallback: string): string {
  try {
    return error.options?.url ? new URL(String(error.options.url)).host : fallback;
  } catch {
    return fallback;
  }
}

function hint(status: number): string {
  if (status === 401 || status === 403) return ' (the link is private or has expired; use a public or pre-signed direct-download URL)';
  if (status === 404 || status === 410) return ' (the file is not there, or the link has expired)';
  if (status === 429) return ' (the file server is rate limiting)';
  return '';
}

/** got's errors, in words a user can act on. Never includes the URL's path or query. */
export function describeDownloadFailure(error: unknown, context: FailureContext): DownloadFailed {
  if (error instanceof DownloadFailed) return error;
  if (!(error instanceof RequestError)) {
    return new DownloadFailed(`download from ${context.host} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const host = hostOf(error, context.host);
  const fail = (reason: string) => new DownloadFailed(reason, { cause: error });
  if (error instanceof HTTPError) {
    const { statusCode, statusMessage } = error.response;
    return fail(`HTTP ${statusCode} ${statusMessage ?? ''}`.trimEnd() + ` from ${host}${hint(statusCode)}`);
  }
  if (error instanceof MaxRedirectsError) return fail(`more than ${context.maxRedirects} redirects, starting at ${context.host}`);
  if (error instanceof TimeoutError) {
    switch (error.event) {
      case 'lookup':
      case 'connect':
      case 'secureConnect':
        return fail(`connecting to ${host} timed out after ${seconds(context.connectTimeoutMs)}`);
      case 'socket':
      case 'read':
        return fail(`${host} sent nothing for ${seconds(context.idleTimeoutMs)} (after ${context.bytesSoFar} bytes)`);
      case 'request':
        return fail(`the download from ${host} took longer than the limit of ${seconds(context.timeoutMs ?? 0)}`);
      default:
        return fail(`the download from ${host} timed out (${error.event})`);
    }
  }
  if (isRefusedConnection(error)) {
    return fail(
      `${host} (the server or a redirect target) is not on the public internet; ` +
        `set ${PRIVATE_NETWORKS_SETTING}=true to allow private networks`,
    );
  }
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(`cannot resolve host ${host}`);
    case 'ECONNREFUSED':
      return fail(`${host} refused the connection`);
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return fail(`the TLS certificate of ${host} is not valid (${error.code})`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return fail(`the connection to ${host} was cut after ${context.bytesSoFar} bytes`);
    default:
      return fail(`download from ${host} failed: ${error.message} (${error.code})`);
  }
}
