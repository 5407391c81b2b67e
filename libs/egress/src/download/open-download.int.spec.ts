import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { writeUeBuildZip } from '@hangar/testing';
import { startLocalHttpServer, type LocalHttpServer } from '../testing/local-http-server';
import { DownloadAborted, DownloadFailed } from './download-failed.error';
import { downloadToSink } from './download-to-sink';
import { openDownload } from './open-download';

const privateOk = { allowPrivateNetworks: true };
// No retries here: these cases are about the reason a single attempt gives (retries: resumed-download.int.spec.ts).
const limits = { maxBytes: 10 * 1024 * 1024, connectTimeoutMs: 2000, idleTimeoutMs: 2000, retryDelaysMs: [] };

let dir: string;
let zipPath: string;
let zipSize: number;
let server: LocalHttpServer;
const dribbled: { sent: number; closed: boolean; completed: boolean }[] = [];
const largeSent = { bytes: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-download-'));
  zipPath = (await writeUeBuildZip(join(dir, 'build.zip'), { fileCount: 40, pakSize: 2 * 1024 * 1024 })).path;
  zipSize = (await stat(zipPath)).size;
  server = await startLocalHttpServer({
    '/build.zip': (_, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(zipSize) });
      createReadStream(zipPath).pipe(res);
    },
    '/chunked.zip': (_, res) => {
      // No Content-Length: the size cap must hold while streaming.
      res.writeHead(200, { 'content-type': 'application/zip' });
      createReadStream(zipPath).pipe(res);
    },
    '/share-page': (_, res) => {
      res.writeHead(200, { 'content-type': 'application/zip' }).end('<!DOCTYPE html><html><body>Sign in to download</body></html>');
    },
    '/empty': (_, res) => res.writeHead(200).end(),
    '/terms.txt': (_, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('Please accept the terms of use before downloading this build.\n'.repeat(20)),
    '/binary-not-zip': (_, res) => res.writeHead(200).end(Buffer.from(Array.from({ length: 4096 }, (_v, i) => (i * 7919) % 256))),
    '/tiny-binary': (_, res) => res.writeHead(200).end(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05])),
    '/forbidden': (_, res) => res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Access denied</h1>'),
    '/cut': (_, res) => {
      res.writeHead(200, { 'content-length': String(1024 * 1024) });
      res.write(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64 * 1024)]), () => res.socket?.destroy());
    },
    '/stall': (_, res) => {
      res.writeHead(200, { 'content-length': String(1024 * 1024) });
      res.write(Buffer.from('PK\x03\x04', 'latin1')); // then nothing
    },
    '/dribble.zip': (_, res) => {
      // 64 KiB every 20 ms, and a record of how the response ended: completed, or closed by the client midway.
      const served = { sent: 0, closed: false, completed: false };
      dribbled.push(served);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zipSize) });
      res.on('close', () => ((served.closed = true), (served.completed = res.writableFinished)));
      const stream = createReadStream(zipPath, { highWaterMark: 64 * 1024 });
      stream.on('data', (piece) => {
        stream.pause();
        res.write(piece, () => {
          served.sent += piece.length;
          setTimeout(() => stream.resume(), 20);
        });
      });
      stream.on('end', () => res.end());
      res.on('close', () => stream.destroy());
    },
    '/large.zip': (_, res) => {
      // 64 MiB as fast as the client takes it, counting what the socket accepted.
      const piece = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(1024 * 1024 - 4)]);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(64 * piece.length) });
      let pieces = 0;
      const next = () => {
        while (pieces < 64) {
          pieces++;
          largeSent.bytes += piece.length;
          if (!res.write(piece)) return void res.once('drain', next);
        }
        res.end();
      };
      res.on('close', () => (pieces = 64));
      next();
    },
    '/loop': (_, res) => res.writeHead(302, { location: '/loop' }).end(),
    '/redirect': (_, res) => res.writeHead(302, { location: '/build.zip' }).end(),
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const collect = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

async function failureOf(path: string, options = limits): Promise<DownloadFailed> {
  const error = await downloadToSink(server.url(path), collect, privateOk, options).then(
    () => new Error('expected the download to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadFailed);
  return error as DownloadFailed;
}

describe('downloadToSink', () => {
  it('streams a zip through, with its size and SHA-256', async () => {
    const original = await readFile(zipPath);
    let received: Buffer = Buffer.alloc(0);
    const result = await downloadToSink(server.url('/build.zip'), async (s) => (received = await collect(s)), privateOk, limits);
    expect(result).toEqual({ size: original.length, sha256: createHash('sha256').update(original).digest('hex') });
    expect(received.equals(original)).toBe(true);
  });

  it('follows a redirect and writes into a Writable too', async () => {
    let size = 0;
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((size += chunk.length), cb()) });
    const result = await downloadToSink(server.url('/redirect'), sink, privateOk, limits);
    expect(result.size).toBe(size);
  });

  it.each([
    ['/missing.zip', /^HTTP 404 Not Found from 127\.0\.0\.1:\d+ \(the file is not there, or the link has expired\)$/],
    ['/forbidden', /^HTTP 403 Forbidden from 127\.0\.0\.1:\d+ \(the link is private or has expired/],
    ['/share-page', /^127\.0\.0\.1:\d+ returned an HTML page \(a login, share or error page\?\), starting with "<!DOCTYPE html><html><body>Sign" instead of a zip file; use a direct-download link$/],
    ['/empty', /returned an empty response, not a zip file/],
    ['/terms.txt', /returned a text document, starting with "Please accept the terms/],
    ['/cut', /^the connection to 127\.0\.0\.1:\d+ was cut after \d+ bytes$/],
    ['/loop', /^more than 5 redirects, starting at 127\.0\.0\.1:\d+$/],
  ])('fails %s with a clear reason', async (path, reason) => {
    expect((await failureOf(path)).reason).toMatch(reason);
  });

  it.each(['/binary-not-zip', '/tiny-binary'])(
    'lets %s (bytes that are not a zip, but no page either) through: judging archives is the scanner\'s job',
    async (path) => {
      const chunks: Buffer[] = [];
      const result = await downloadToSink(server.url(path), new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }), privateOk, limits);
      expect(result.size).toBe(Buffer.concat(chunks).length);
      expect(result.size).toBeGreaterThan(0);
    },
  );

  it('fails a body over maxBytes, declared or not', async () => {
    const small = { ...limits, maxBytes: 100_000 };
    expect((await failureOf('/build.zip', small)).reason).toMatch(/^the file is \d+ bytes, over the limit of 100000 bytes/);
    expect((await failureOf('/chunked.zip', small)).reason).toMatch(/^the file is (\d+ bytes, over|larger than) the limit of 100000 bytes/);
  });

  it('fails a server that stops sending (idle timeout)', async () => {
    expect((await failureOf('/stall', { ...limits, idleTimeoutMs: 300 })).reason).toMatch(/^127\.0\.0\.1:\d+ sent nothing for 0\.3 s/);
  });

  it('refuses loopback URLs without the private-networks flag, before connecting', async () => {
    const before = server.requests.length;
    const refusal = downloadToSink(server.url('/build.zip'), collect, { allowPrivateNetworks: false }, limits);
    await expect(refusal).rejects.toThrow(DownloadFailed);
    await expect(refusal).rejects.toThrow(/fileUrl host 127\.0\.0\.1 is a loopback address/);
    expect(server.requests.length).toBe(before);
  });

  it('refuses a redirect from an allowed host to a loopback one, at connection time', async () => {
    const target = await startLocalHttpServer({ '/build.zip': (_, res) => res.end('PK\x03\x04') }, '127.0.0.2');
    const redirecting = await startLocalHttpServer({
      '/go': (_, res) => res.writeHead(302, { location: target.url('/build.zip') }).end(),
    });
    try {
      // 127.0.0.1 stands in for a public host; 127.0.0.2 is the private target it redirects to.
      const policy = { allowPrivateNetworks: false, allowedAddresses: ['127.0.0.1'] };
      const error = await downloadToSink(redirecting.url('/go'), collect, policy, limits).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadFailed);
      expect((error as DownloadFailed).reason).toMatch(/^127\.0\.0\.2:\d+ \(the server or a redirect target\) is not on the public internet/);
      expect(redirecting.requests).toEqual(['GET /go']);
      expect(target.requests).toEqual([]);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });
});

describe('aborting a download (DownloadOptions.signal)', () => {
  it('closes the connection at once and rejects with DownloadAborted; the sink sees its stream fail', async () => {
    const abort = new AbortController();
    const progress: number[] = [];
    let sinkError: unknown = null;
    const sink = async (stream: Readable) => {
      try {
        for await (const _piece of stream) void _piece;
      } catch (error) {
        sinkError = error;
        throw error;
      }
    };
    const onProgress = ({ bytes }: { bytes: number }) => {
      progress.push(bytes);
      if (bytes >= 256 * 1024) abort.abort();
    };
    const error = await downloadToSink(server.url('/dribble.zip'), sink, privateOk, { ...limits, retryDelaysMs: [100], onProgress, signal: abort.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadAborted);
    expect(sinkError).toBeInstanceOf(Error);
    const served = dribbled.at(-1)!;
    await waitFor(() => served.closed);
    expect(served.completed).toBe(false);
    expect(served.sent).toBeLessThan(zipSize / 2);
    const bytesAtAbort = progress.at(-1)!;
    await new Promise((r) => setTimeout(r, 200));
    expect(progress.at(-1)).toBe(bytesAtAbort); // no progress after the abort
  });

  it('sends no request when aborted before it starts', async () => {
    const before = server.requests.length;
    const error = await openDownload(server.url('/build.zip'), privateOk, { ...limits, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadAborted);
    expect(server.requests.length).toBe(before);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('openDownload', () => {
  it('takes no more from the server than the consumer reads, give or take the buffers on the way', async () => {
    const { stream, result } = await openDownload(server.url('/large.zip'), privateOk, { ...limits, maxBytes: 128 * 1024 * 1024 });
    // The consumer reads one piece, then nothing for a while: the server must be held back (a meter that buffered
    // whatever came would take the whole 64 MiB in far less time than this).
    await new Promise((resolve) => stream.once('data', resolve));
    stream.pause();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The meter's 1 MiB, got's and the HTTP parser's buffers, and both sockets' (a few MiB each on loopback).
    expect(largeSent.bytes).toBeLessThan(24 * 1024 * 1024);
    stream.resume();
    await expect(result).resolves.toMatchObject({ size: 64 * 1024 * 1024 });
  });

  it('rejects its result with DownloadAborted when the consumer gives up', async () => {
    const { stream, result } = await openDownload(server.url('/build.zip'), privateOk, limits);
    stream.once('data', () => stream.destroy());
    await expect(result).rejects.toBeInstanceOf(DownloadAborted);
  });
});
