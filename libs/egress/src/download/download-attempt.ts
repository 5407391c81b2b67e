import type { Readable } from 'node:stream';
import got from 'got';
import type { EgressPolicy } from '../egress-policy/egress-policy';
import { createEgressAgents } from '../url-guard/egress-agents';
import type { FailureContext } from './describe-failure';
import { ifRangeOf, validatorsOf, type ResumeValidators } from './resume-validators';

const USER_AGENT = 'Hangar build downloader';

/** One HTTP request of a download, answered (status 2xx): its body still to be read. */
export interface AnsweredAttempt {
  body: Readable;
  /** The server sent the bytes from `from` on (206 with the matching Content-Range); false: the whole file (200). */
  continues: boolean;
  /** The whole file's size, when the server said (Content-Length of a 200, the total of a Content-Range). */
  totalBytes: number | null;
  validators: ResumeValidators;
  /** Where the last redirect landed, when there was one. */
  redirectedTo: URL | null;
}

/**
 * Sends one GET, from byte `from` when it is above 0 (`Range`, with `If-Range` so that a changed file comes back
 * whole instead of as a wrong tail). Resolves once a 2xx has arrived; rejects with got's error otherwise (HTTPError
 * for 4xx/5xx, before any body is read).
 */
export function startAttempt(
  target: URL,
  policy: EgressPolicy,
  context: FailureContext,
  from: number,
  validators: ResumeValidators | null,
): Promise<AnsweredAttempt> {
  const ifRange = ifRangeOf(validators);
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (from > 0) {
    headers['range'] = `bytes=${from}-`;
    if (ifRange) headers['if-range'] = ifRange;
  }
  const request = got.stream(target, {
    agent: createEgressAgents(policy),
    maxRedirects: context.maxRedirects,
    retry: { limit: 0 }, // retries are the download's, which knows how many bytes it already has
    timeout: {
      lookup: context.connectTimeoutMs,
      connect: context.connectTimeoutMs,
      secureConnect: context.connectTimeoutMs,
      socket: context.idleTimeoutMs,
      ...(context.timeoutMs ? { request: context.timeoutMs } : {}),
    },
    headers,
  });
  return new Promise((resolve, reject) => {
    const early = (error: Error) => reject(error);
    request.once('error', early);
    request.once(
      'response',
      (response: { statusCode: number; headers: Record<string, string | string[] | undefined>; url: string; redirectUrls: URL[] }) => {
        request.off('error', early);
        const range = contentRange(response.headers['content-range']);
        const continues = response.statusCode === 206 && range !== null && range.start === from;
        const length = Number(response.headers['content-length']);
        resolve({
          body: request,
          continues,
          totalBytes: response.statusCode === 206 ? (range?.total ?? null) : Number.isFinite(length) && response.headers['content-length'] !== undefined ? length : null,
          validators: validatorsOf(response.headers),
          redirectedTo: response.redirectUrls.length > 0 ? new URL(response.url) : null,
        });
      },
    );
  });
}

function contentRange(header: string | string[] | undefined): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(header ?? '').trim());
  if (!match) return null;
  return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}
