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
}

export interface PostJsonOutcome {
  /** The response status; 0 when no response came (refused, unreachable, timed out). */
  statusCode: number;
  /** A 2xx response. */
  ok: boolean;
  error?: string;
}

/**
 * POSTs a JSON body to a user-given URL (webhooks) and reports what happened; it never throws for network or HTTP
 * failures, because a webhook delivery's outcome is data for the retry schedule. Redirects are not followed (a
 * redirect would turn the POST into someone else's GET); the response body is not read.
 */
export async function postJson(url: string, body: unknown, policy: EgressPolicy, options: PostJsonOptions = {}): Promise<PostJsonOutcome> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let target: URL;
  try {
    target = await assertFetchableUrl(url, policy, { label: 'webhook URL' });
  } catch (error) {
    if (error instanceof EgressRefused) return { statusCode: 0, ok: false, error: error.reason };
    throw error;
  }
  const request = got.stream.post(target, {
    json: body,
    agent: createEgressAgents(policy),
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
    headers: { 'user-agent': 'Hangar webhooks', ...options.headers },
  });
  try {
    const statusCode = await new Promise<number>((resolve, reject) => {
      request.once('response', (response: { statusCode: number }) => resolve(response.statusCode));
      request.once('error', reject);
    });
    const ok = statusCode >= 200 && statusCode < 300;
    if (ok) return { statusCode, ok };
    const redirect = statusCode >= 300 && statusCode < 400;
    return { statusCode, ok, error: redirect ? `HTTP ${statusCode}: redirects are not followed for webhooks` : `HTTP ${statusCode} from ${target.host}` };
  } catch (error) {
    const message = isRefusedConnection(error)
      ? `${target.host} is not on the public internet`
      : `${target.host}: ${(error as Error).message}`;
    return { statusCode: 0, ok: false, error: message };
  } finally {
    request.destroy();
  }
}
