import type { IncomingMessage } from 'node:http';
import { startLocalHttpServer, type LocalHttpServer } from '../testing/local-http-server';
import { postJson } from './post-json';

const privateOk = { allowPrivateNetworks: true };
let server: LocalHttpServer;
const received: unknown[] = [];

const readJson = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
};

beforeAll(async () => {
  server = await startLocalHttpServer({
    '/hook': (req, res) => void readJson(req).then((body) => (received.push({ body, signature: req.headers['x-signature'] }), res.writeHead(204).end())),
    '/broken': (_, res) => res.writeHead(500).end('oops'),
    '/moved': (_, res) => res.writeHead(301, { location: '/hook' }).end(),
    '/slow': () => undefined, // never answers
    '/busy': (_, res) => res.writeHead(429, { 'retry-after': '7' }).end('x'.repeat(2000)),
  });
});
afterAll(() => server.close());

describe('postJson', () => {
  it('posts the body as JSON and reports a 2xx as ok', async () => {
    const outcome = await postJson(server.url('/hook'), { event: 'build.approved' }, privateOk, { headers: { 'x-signature': 'sig' } });
    expect(outcome).toMatchObject({ statusCode: 204, ok: true });
    expect(received).toEqual([{ body: { event: 'build.approved' }, signature: 'sig' }]);
  });

  it('reports Retry-After, the latency and the start of the answer, for the delivery log', async () => {
    const outcome = await postJson(server.url('/busy'), {}, privateOk);
    expect(outcome).toMatchObject({ statusCode: 429, ok: false, retryAfter: '7', responseExcerpt: 'x'.repeat(500) });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports an HTTP error without throwing', async () => {
    await expect(postJson(server.url('/broken'), {}, privateOk)).resolves.toMatchObject({ statusCode: 500, ok: false, error: expect.stringMatching(/^HTTP 500/) });
  });

  it('does not follow redirects', async () => {
    const before = server.requests.length;
    await expect(postJson(server.url('/moved'), {}, privateOk)).resolves.toMatchObject({ statusCode: 301, ok: false });
    expect(server.requests.slice(before)).toEqual(['POST /moved']);
  });

  it('gives status 0 for an unreachable endpoint, a timeout, or a refused address', async () => {
    await expect(postJson('http://127.0.0.1:1/hook', {}, privateOk)).resolves.toMatchObject({ statusCode: 0, ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
    await expect(postJson(server.url('/slow'), {}, privateOk, { timeoutMs: 200 })).resolves.toMatchObject({ statusCode: 0, ok: false, error: expect.stringMatching(/[Tt]imeout/) });
    await expect(postJson(server.url('/hook'), {}, { allowPrivateNetworks: false })).resolves.toMatchObject({
      statusCode: 0,
      ok: false,
      error: 'webhook URL host 127.0.0.1 is a loopback address; set HANGAR_ALLOW_PRIVATE_NETWORKS=true to allow private networks',
    });
  });
});
