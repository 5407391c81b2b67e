import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { startFileServer, type FileServer } from '@hangar/testing';
import { startLocalHttpServer } from '../testing/local-http-server';
import { DownloadFailed } from './download-failed.error';
import { downloadToSink } from './download-to-sink';

const privateOk = { allowPrivateNetworks: true };
// Short waits keep the specs fast; the production default is 0.5 s doubling to 8 s.
const options = { maxBytes: 10 * 1024 * 1024, connectTimeoutMs: 2000, idleTimeoutMs: 2000, retryDelaysMs: [20, 20, 20] };

const zipLike = (size: number) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(size - 4)]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A sink that records every stream it was given (a restart gives it a second one) and what each delivered. */
function recordingSink() {
  const streams: { offset: number; bytes: Buffer; failed: boolean }[] = [];
  const sink = async (stream: Readable, { offset }: { offset: number }) => {
    const entry = { offset, bytes: Buffer.alloc(0), failed: false };
    streams.push(entry);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      entry.failed = true;
      throw error;
    } finally {
      entry.bytes = Buffer.concat(chunks);
    }
  };
  return { sink, streams };
}

let files: FileServer;
beforeEach(async () => {
  files = await startFileServer();
});
afterEach(() => files.close());

const gets = (path: string) => files.requests.filter((r) => r.url === path && r.method === 'GET');

describe('a download that breaks midway', () => {
  it('continues with Range and If-Range from where it stopped: one stream for the consumer, one SHA-256 for the file', async () => {
    const body = zipLike(1024 * 1024);
    files.serveBuffer('/build.zip', body);
    files.cutConnectionAfter('/build.zip', 300_000, { times: 2 });
    const { sink, streams } = recordingSink();

    const result = await downloadToSink(files.url('/build.zip'), sink, privateOk, options);

    expect(result).toEqual({ size: body.length, sha256: sha256(body) });
    expect(streams).toHaveLength(1);
    expect(streams[0].bytes.equals(body)).toBe(true);
    const [first, second, third] = gets('/build.zip');
    expect(first.headers.range).toBeUndefined();
    expect(second.headers.range).toBe('bytes=300000-');
    expect(second.headers['if-range']).toMatch(/^"[0-9a-f]+"$/);
    expect(third.headers.range).toBe('bytes=600000-');
    expect(gets('/build.zip')).toHaveLength(3);
  });

  it('continues after the server went silent (idle timeout)', async () => {
    const body = zipLike(200_000);
    let calls = 0;
    const server = await startLocalHttpServer({
      '/stalls.zip': (request, response) => {
        calls++;
        const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
        if (calls === 1) {
          response.writeHead(200, { 'content-length': String(body.length), etag: '"v1"', 'accept-ranges': 'bytes' });
          response.write(body.subarray(0, 50_000)); // then nothing
          return;
        }
        const start = range && request.headers['if-range'] === '"v1"' ? Number(range[1]) : 0;
        response.writeHead(range ? 206 : 200, {
          'content-length': String(body.length - start),
          ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
          etag: '"v1"',
        });
        response.end(body.subarray(start));
      },
    });
    try {
      const { sink, streams } = recordingSink();
      const result = await downloadToSink(server.url('/stalls.zip'), sink, privateOk, { ...options, idleTimeoutMs: 300 });
      expect(result.sha256).toBe(sha256(body));
      expect(streams).toHaveLength(1);
      expect(calls).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('starts over from byte 0 when the server cannot resume: the first consumer sees its stream fail, the second gets the file', async () => {
    const body = zipLike(1024 * 1024);
    files.serveBuffer('/plain.zip', body, 'application/zip', { ranges: false });
    files.cutConnectionAfter('/plain.zip', 400_000, { times: 1 });
    const { sink, streams } = recordingSink();

    const result = await downloadToSink(files.url('/plain.zip'), sink, privateOk, options);

    expect(result).toEqual({ size: body.length, sha256: sha256(body) });
    expect(streams.map((s) => [s.offset, s.failed])).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(streams[1].bytes.equals(body)).toBe(true);
  });

  it('starts over when the file changed between the attempts (If-Range no longer matches)', async () => {
    const before = zipLike(600_000);
    const after = zipLike(700_000);
    files.serveBuffer('/moving.zip', before);
    files.cutConnectionAfter('/moving.zip', 200_000, { times: 1 });
    const { sink, streams } = recordingSink();
    let responses = 0;

    const result = await downloadToSink(files.url('/moving.zip'), sink, privateOk, {
      ...options,
      onResponse: () => {
        if (responses++ === 0) files.serveBuffer('/moving.zip', after); // a new upload replaces the file
      },
    });

    expect(result).toEqual({ size: after.length, sha256: sha256(after) });
    expect(streams).toHaveLength(2);
    expect(gets('/moving.zip')[1].headers.range).toBe('bytes=200000-');
  });

  it('retries 5xx, 408 and 429 within the bound, and takes a 4xx as final', async () => {
    const body = zipLike(10_000);
    files.serveBuffer('/flaky.zip', body);
    files.failWith('/flaky.zip', 503, { times: 1 });
    files.failWith('/flaky.zip', 429, { times: 1 });
    files.failWith('/flaky.zip', 408, { times: 1 });
    expect((await downloadToSink(files.url('/flaky.zip'), recordingSink().sink, privateOk, options)).sha256).toBe(sha256(body));
    expect(gets('/flaky.zip').map((r) => r.status)).toEqual([503, 429, 408, 200]);

    files.serveBuffer('/gone.zip', body);
    files.failWith('/gone.zip', 410);
    const gone = await downloadToSink(files.url('/gone.zip'), recordingSink().sink, privateOk, options).catch((e: unknown) => e);
    expect((gone as DownloadFailed).reason).toMatch(/^HTTP 410 Gone from 127\.0\.0\.1:\d+/);
    expect(gets('/gone.zip')).toHaveLength(1);
  });

  it('gives up after the bounded number of attempts without a new byte, with the last reason', async () => {
    files.serveBuffer('/down.zip', zipLike(10_000));
    files.failWith('/down.zip', 502);
    const error = await downloadToSink(files.url('/down.zip'), recordingSink().sink, privateOk, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadFailed);
    expect((error as DownloadFailed).reason).toMatch(/^HTTP 502 Bad Gateway from 127\.0\.0\.1:\d+ \(gave up after 4 attempts\)$/);
    expect(gets('/down.zip')).toHaveLength(4);
  });

  it('continues a download whose first bytes the consumer kept (a staging file from before a crash)', async () => {
    const body = zipLike(500_000);
    files.serveBuffer('/kept.zip', body);
    const first = await downloadToSink(files.url('/kept.zip'), recordingSink().sink, privateOk, { ...options, expected: { size: body.length } });
    const validators = { etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
    const { sink, streams } = recordingSink();

    const result = await downloadToSink(files.url('/kept.zip'), sink, privateOk, {
      ...options,
      resume: { from: 123_456, prefix: Readable.from([body.subarray(0, 123_456)]), validators },
    });

    expect(result).toEqual(first);
    expect(streams.map((s) => s.offset)).toEqual([123_456]);
    expect(streams[0].bytes.equals(body.subarray(123_456))).toBe(true);
    expect(gets('/kept.zip').at(-1)?.headers.range).toBe('bytes=123456-');
  });
});

describe('what the file must be', () => {
  it('fails a SHA-256 or size other than the uploader declared', async () => {
    const body = zipLike(20_000);
    files.serveBuffer('/declared.zip', body);
    const wrongHash = 'a'.repeat(64);
    const hashError = await downloadToSink(files.url('/declared.zip'), recordingSink().sink, privateOk, { ...options, expected: { sha256: wrongHash } }).catch((e: unknown) => e);
    expect((hashError as DownloadFailed).reason).toBe(`SHA-256 mismatch: expected ${wrongHash}, got ${sha256(body)}`);
    const sizeError = await downloadToSink(files.url('/declared.zip'), recordingSink().sink, privateOk, { ...options, expected: { size: 19_999 } }).catch((e: unknown) => e);
    expect((sizeError as DownloadFailed).reason).toBe('size mismatch: expected 19999 bytes, got 20000');
    const ok = await downloadToSink(files.url('/declared.zip'), recordingSink().sink, privateOk, { ...options, expected: { size: 20_000, sha256: sha256(body).toUpperCase() } });
    expect(ok.size).toBe(20_000);
  });

  it('names a redirect that lands on a sign-in page', async () => {
    files.serveLoginPage('/accounts/login');
    files.redirect('/share/build.zip', '/accounts/login?next=%2Fshare%2Fbuild.zip');
    const error = await downloadToSink(files.url('/share/build.zip'), recordingSink().sink, privateOk, options).catch((e: unknown) => e);
    expect((error as DownloadFailed).reason).toMatch(
      /^127\.0\.0\.1:\d+ redirected to a sign-in page at 127\.0\.0\.1:\d+ instead of the file; use a public or pre-signed direct-download link$/,
    );
  });

  it('reports progress with the file size as bytes arrive', async () => {
    const body = zipLike(3 * 1024 * 1024);
    files.serveBuffer('/progress.zip', body);
    const seen: { bytes: number; totalBytes: number | null }[] = [];
    await downloadToSink(files.url('/progress.zip'), recordingSink().sink, privateOk, { ...options, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual({ bytes: body.length, totalBytes: body.length });
    expect(seen.every((p, i) => i === 0 || p.bytes > seen[i - 1].bytes)).toBe(true);
  });
});
