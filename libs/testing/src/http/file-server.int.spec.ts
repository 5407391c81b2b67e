import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFileServer, type FileServer } from './file-server';
import { generatedBytes } from './generated-content';

/** A raw GET that reports how many body bytes arrived before the response ended or broke. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ response: IncomingMessage; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ response, body: Buffer.concat(chunks), complete: response.complete }));
      response.on('error', () => resolve({ response, body: Buffer.concat(chunks), complete: false }));
      response.on('aborted', () => undefined);
    }).on('error', reject);
  });
}

describe('startFileServer', () => {
  let server: FileServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFileServer();
    dir = await mkdtemp(join(tmpdir(), 'hangar-file-server-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a buffer with its length, type, validator and range support', async () => {
    server.serveBuffer('/build.zip', Buffer.from('0123456789'), 'application/zip');
    const response = await fetch(server.url('/build.zip'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('10');
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('etag')).toMatch(/^".+"$/);
    expect(await response.text()).toBe('0123456789');
  });

  it('answers ranges with 206 and Content-Range, and unsatisfiable ones with 416', async () => {
    server.serveBuffer('/b', '0123456789');
    const partial = await fetch(server.url('/b'), { headers: { Range: 'bytes=2-4' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await partial.text()).toBe('234');
    expect(await (await fetch(server.url('/b'), { headers: { Range: 'bytes=7-' } })).text()).toBe('789');
    expect(await (await fetch(server.url('/b'), { headers: { Range: 'bytes=-2' } })).text()).toBe('89');
    const beyond = await fetch(server.url('/b'), { headers: { Range: 'bytes=10-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10');
    await beyond.arrayBuffer();
  });

  it('ignores a range whose If-Range no longer matches', async () => {
    server.serveBuffer('/b', '0123456789');
    const response = await fetch(server.url('/b'), { headers: { Range: 'bytes=2-4', 'If-Range': '"stale"' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('0123456789');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    server.serveBuffer('/b', '0123456789');
    const response = await fetch(server.url('/b'), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('10');
    expect(await response.text()).toBe('');
  });

  it('streams a local file, read at request time, with ranges', async () => {
    const file = join(dir, 'Game.pak');
    server.serveFile('/Game.pak', file);
    expect((await rawGet(server.url('/Game.pak'))).response.statusCode).toBe(404); // not written yet
    await writeFile(file, 'pak contents');
    expect(await (await fetch(server.url('/Game.pak'))).text()).toBe('pak contents');
    expect(await (await fetch(server.url('/Game.pak'), { headers: { Range: 'bytes=4-' } })).text()).toBe('contents');
  });

  it('sends a file of many reads whole and in order, and stops sending when the client goes away', async () => {
    const file = join(dir, 'Big.pak');
    const bytes = generatedBytes(0, 5 * 1024 * 1024 + 123);
    await writeFile(file, bytes);
    server.serveFile('/Big.pak', file);
    const whole = await rawGet(server.url('/Big.pak'));
    expect(whole.complete).toBe(true);
    expect(whole.body.equals(bytes)).toBe(true);
    const tail = await rawGet(server.url('/Big.pak'), { Range: 'bytes=3000000-' });
    expect(tail.body.equals(bytes.subarray(3_000_000))).toBe(true);

    await new Promise<void>((resolve, reject) => {
      const request = get(server.url('/Big.pak'), { agent: false }, (response) => response.once('data', () => request.destroy()));
      const timer = setTimeout(() => reject(new Error('the request never closed')), 5000);
      request.on('error', () => undefined).on('close', () => (clearTimeout(timer), resolve()));
    });
    const left = server.requests.at(-1)!;
    for (const deadline = Date.now() + 5000; !left.closed && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(left).toMatchObject({ closed: true, completed: false });
    expect(left.bytesSent).toBeLessThan(bytes.length);
  });

  it('serves generated content whose bytes a test can recompute', async () => {
    server.serveGenerated('/big.bin', 5_000_000);
    const { response, body } = await rawGet(server.url('/big.bin'), { Range: 'bytes=1000000-1999999' });
    expect(response.statusCode).toBe(206);
    expect(body.equals(generatedBytes(1_000_000, 1_000_000))).toBe(true);
    expect(generatedBytes(0, 4096).equals(generatedBytes(4096, 4096))).toBe(false);
  });

  it('fails a path with a status for a number of requests, then serves it', async () => {
    server.serveBuffer('/flaky', 'ok');
    server.failWith('/flaky', 500, { times: 2 });
    server.failWith('/gone', 404);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(server.url('/flaky'));
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([500, 500, 200]);
    expect((await fetch(server.url('/gone'))).status).toBe(404);
    expect((await fetch(server.url('/never-registered'))).status).toBe(404);
  });

  it('answers a login page with 200 and HTML instead of the file', async () => {
    server.serveLoginPage('/share/abc');
    const response = await fetch(server.url('/share/abc'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<form');
  });

  it('redirects', async () => {
    server.serveBuffer('/real.zip', 'zip');
    server.redirect('/short', '/real.zip');
    const manual = await fetch(server.url('/short'), { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/real.zip');
    await manual.arrayBuffer();
    expect(await (await fetch(server.url('/short'))).text()).toBe('zip');
  });

  it('cuts the connection after N bytes of a full-length answer, then serves normally (a resume works)', async () => {
    server.serveGenerated('/build.zip', 3_000_000);
    server.cutConnectionAfter('/build.zip', 1_234_567, { times: 1 });
    const cut = await rawGet(server.url('/build.zip'));
    expect(cut.response.statusCode).toBe(200);
    expect(cut.response.headers['content-length']).toBe('3000000');
    expect(cut.complete).toBe(false);
    expect(cut.body.length).toBe(1_234_567);
    const rest = await rawGet(server.url('/build.zip'), { Range: `bytes=${cut.body.length}-` });
    expect(rest.response.statusCode).toBe(206);
    expect(Buffer.concat([cut.body, rest.body]).equals(generatedBytes(0, 3_000_000))).toBe(true);
  });

  it('can play a server without range support or Content-Length', async () => {
    server.serveBuffer('/plain', '0123456789', 'application/zip', { ranges: false, contentLength: false });
    const { response, body } = await rawGet(server.url('/plain'), { Range: 'bytes=2-4' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['accept-ranges']).toBeUndefined();
    expect(response.headers['content-length']).toBeUndefined();
    expect(body.toString()).toBe('0123456789');
  });

  it('records the requests it answered', async () => {
    server.serveBuffer('/b', 'x');
    await (await fetch(server.url('/b?sig=1'), { headers: { Range: 'bytes=0-0' } })).arrayBuffer();
    expect(server.requests).toEqual([expect.objectContaining({ method: 'GET', url: '/b?sig=1', status: 206, headers: expect.objectContaining({ range: 'bytes=0-0' }) })]);
  });
});
