/** How to reach the bucket. `pathStyle` is needed by MinIO and s3rver (no per-bucket DNS names). */
export interface S3BlobStoreOptions {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region?: string;
  bucket: string;
  pathStyle?: boolean;
  /**
   * Bytes per multipart part, at least 5 MiB (S3's minimum). Larger parts mean fewer requests but more memory: an
   * upload holds at most two parts (one being read, one being sent).
   */
  partSize?: number;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
export const DEFAULT_REGION = 'us-east-1';

export class InvalidS3BlobStoreUrl extends Error {
  readonly code = 'INVALID_S3_BLOB_STORE_URL';
  constructor(reason: string) {
    super(`invalid S3 blob store URL: ${reason}`);
    this.name = 'InvalidS3BlobStoreUrl';
  }
}

/**
 * `http(s)://<accessKey>:<secretKey>@<host>[:port]/<bucket>[?region=…&pathStyle=false&partSize=…]`: one setting that
 * names a whole S3/MinIO location. Path-style addressing is the default because MinIO and s3rver need it and AWS
 * still accepts it; the credentials are URL-encoded (a secret key may hold `/` or `+`).
 */
export function s3BlobStoreOptionsFromUrl(url: string): S3BlobStoreOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidS3BlobStoreUrl('not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidS3BlobStoreUrl('scheme must be http or https');
  const bucket = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
  if (!bucket || bucket.includes('/')) throw new InvalidS3BlobStoreUrl('the path must be exactly the bucket name');
  if (!parsed.username || !parsed.password) throw new InvalidS3BlobStoreUrl('credentials missing (http://KEY:SECRET@host/bucket)');
  const partSize = parsed.searchParams.get('partSize');
  return {
    endPoint: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : undefined,
    useSSL: parsed.protocol === 'https:',
    accessKey: decodeURIComponent(parsed.username),
    secretKey: decodeURIComponent(parsed.password),
    region: parsed.searchParams.get('region') ?? DEFAULT_REGION,
    bucket,
    pathStyle: parsed.searchParams.get('pathStyle') !== 'false',
    ...(partSize ? { partSize: Number(partSize) } : {}),
  };
}
