/**
 * What identifies one version of a file on its server, so that a resumed request gets "the rest of the same file"
 * (`If-Range`) and never the tail of a file that changed in between. A weak ETag (`W/"…"`) cannot be used in
 * `If-Range` (RFC 9110 §13.1.5), so only a strong one is kept; Last-Modified stands in when there is none.
 */
export interface ResumeValidators {
  etag?: string;
  lastModified?: string;
}

type Headers = Record<string, string | string[] | undefined>;

export function validatorsOf(headers: Headers): ResumeValidators {
  const etag = single(headers['etag']);
  const lastModified = single(headers['last-modified']);
  return {
    ...(etag && !etag.startsWith('W/') ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

/** The `If-Range` value, or null when the server gave nothing a resume could be checked against. */
export function ifRangeOf(validators: ResumeValidators | null): string | null {
  return validators?.etag ?? validators?.lastModified ?? null;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
