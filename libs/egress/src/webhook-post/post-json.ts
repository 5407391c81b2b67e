import got from 'got';
import type { EgressPolicy } from '../egress-policy/egress-policy';
import { assertFetchableUrl } from '../url-guard/assert-fetchable-url';
import { createEgressAgents, isRefusedConnection } from '../url-guard/egress-agents';
import { EgressRefused } from '../url-guard/egress-refused.error';

export interface PostJsonOptions {
  /** Whole request, connection included; default 10 s. */
  timeoutMs?: number;
  /** Extra headers, e.g. a signature. */
  headers?: Record<string, string>;
  /** Headers computed from the exact bytes sent (a signature must cover the body as serialised). */
  headersFor?: (payload: string) => Record<string, string>;
}

export interface PostJsonOutcome {
  /** The response status; 0 when no response came (refused, unreachable, timed out). */
  statusCode: number;
  /** A 2xx response. */
  ok: boolean;
  error?: string;
  /** From sending to the response's status line (or the failure). */
  latencyMs: number;
  /** The first characters of the response body (at most 500), for the delivery log. */
  responseExcerpt?: string;
  /** The response's `Retry-After` header, as sent. */
  retryAfter?: string;
}

const EXCERPT_CHARS = 500;

/**
 * POSTs a JSON body to a user-given URL (webhooks) and reports what happened; it never throws for network or HTTP
 * failures, because a webhook delivery's outcome is data for the retry schedule. Redirects are not followed (a
 * redirect would turn the POST into someone else's GET); only the start of the response body is read.
 */
export async function postJson(url: string, body: unknown, policy: EgressPolicy, options: PostJsonOptions = {}): Promise<PostJsonOutcome> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = Date.now();
  let target: URL;
  try {
    target = await assertFetchableUrl(url, policy, { label: 'webhook URL' });
  } catch (error) {
    if (error instanceof EgressRefused) return { statusCode: 0, ok: false, error: error.reason, latencyMs: Date.now() - started };
    throw error;
  }
  const payload = JSON.stringify(body);
  const request = got.stream.post(target, {
    body: payload,
    agent: createEgressAgents(policy),
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
    headers: { 'user-agent': 'Hangar webhooks', 'content-type': 'application/json', ...options.headers, ...options.headersFor?.(payload) },
  });
  try {
    const response = await new Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    const latencyMs = Date.now() - started;
    const { statusCode } = response;
    const retryAfter = typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : undefined;
    const responseExcerpt = await readExcerpt(request);
    const ok = statusCode >= 200 && statusCode < 300;
    if (ok) return { statusCode, ok, latencyMs, responseExcerpt };
    const redirect = statusCode >= 300 && statusCode < 400;
    const error = redirect ? `HTTP ${statusCode}: redirects are not followed for webhooks` : `HTTP ${statusCode} from ${target.host}`;
    return { statusCode, ok, error, latencyMs, responseExcerpt, ...(retryAfter ? { retryAfter } : {}) };
  } catch (error) {
    const message = isRefusedConnection(error)
      ? `${target.host} is not on the public internet`
      : `${target.host}: ${(error as Error).message}`;
    return { statusCode: 0, ok: false, error: message, latencyMs: Date.now() - started };
  } finally {
    request.destroy();
  }
}

/** The first characters of the body; a slow or endless body is cut short rather than waited for. */
async function readExcerpt(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      const timer = setTimeout(done, 1000);
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= EXCERPT_CHARS * 4) {
          clearTimeout(timer);
          done();
        }
      });
      stream.once('end', () => {
        clearTimeout(timer);
        done();
      });
      stream.once('error', () => {
        clearTimeout(timer);
        done();
      });
    });
  } catch {
    // an excerpt is best effort
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
}
