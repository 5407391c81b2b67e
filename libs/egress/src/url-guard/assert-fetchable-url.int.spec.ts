import { request } from 'node:http';
import { assertFetchableUrl } from './assert-fetchable-url';
import { createEgressAgents } from './egress-agents';
import { EgressRefused } from './egress-refused.error';
import { startLocalHttpServer } from '../testing/local-http-server';

const closed = { allowPrivateNetworks: false };
const open = { allowPrivateNetworks: true };

describe('assertFetchableUrl', () => {
  it.each([
    ['http://127.0.0.1/build.zip', 'fileUrl host 127.0.0.1 is a loopback address; set HANGAR_ALLOW_PRIVATE_NETWORKS=true to allow private networks'],
    ['http://10.0.0.8/build.zip', 'fileUrl host 10.0.0.8 is a private address; set HANGAR_ALLOW_PRIVATE_NETWORKS=true to allow private networks'],
    ['http://192.168.1.20/b.zip', /192\.168\.1\.20 is a private address/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is the cloud metadata address/],
    ['http://100.64.3.4/b.zip', /carrier-grade NAT/],
    ['http://[::1]/b.zip', /host ::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]/b.zip', /is a loopback address/],
    ['http://[fd12:3456::1]/b.zip', /unique-local/],
    ['http://[fe80::1]/b.zip', /link-local/],
    ['http://2130706433/b.zip', /host 127\.0\.0\.1 is a loopback address/],
    ['http://0x7f000001/b.zip', /host 127\.0\.0\.1 is a loopback address/],
    ['http://127.1/b.zip', /host 127\.0\.0\.1 is a loopback address/],
    ['http://0177.0.0.1/b.zip', /host 127\.0\.0\.1 is a loopback address/],
    ['http://0.0.0.0/b.zip', /unspecified/],
    ['http://224.0.0.1/b.zip', /multicast/],
    ['http://localhost:8080/b.zip', /host localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
  ])('refuses %s without the private-networks flag', async (url, message) => {
    const refusal = assertFetchableUrl(url, closed);
    await expect(refusal).rejects.toThrow(EgressRefused);
    await expect(refusal).rejects.toThrow(message);
  });

  it.each([
    ['ftp://files.example.com/b.zip', 'fileUrl must be an http or https URL, not ftp'],
    ['file:///etc/passwd', 'fileUrl must be an http or https URL, not file'],
    ['not a url', 'fileUrl is not a valid URL'],
  ])('refuses %s even with private networks allowed', async (url, message) => {
    await expect(assertFetchableUrl(url, open)).rejects.toThrow(message);
  });

  it('accepts any http(s) host when private networks are allowed, and public addresses always', async () => {
    await expect(assertFetchableUrl('http://127.0.0.1:9000/b.zip', open)).resolves.toBeInstanceOf(URL);
    await expect(assertFetchableUrl('https://93.184.215.14/b.zip?X-Amz-Signature=abc', closed)).resolves.toBeInstanceOf(URL);
  });

  it('checks every address a name resolves to', async () => {
    const lookup = async () => [{ address: '8.8.4.4', family: 4 }, { address: '10.1.1.1', family: 4 }];
    await expect(assertFetchableUrl('https://files.example.com/b.zip', closed, { lookup })).rejects.toThrow(
      'fileUrl host files.example.com resolves to 10.1.1.1, a private address',
    );
    const publicOnly = async () => [{ address: '8.8.8.8', family: 4 }, { address: '2001:4860:4860::8888', family: 6 }];
    await expect(assertFetchableUrl('https://files.example.com/b.zip', closed, { lookup: publicOnly })).resolves.toBeInstanceOf(URL);
  });

  it('lets listed addresses through without opening private networks', async () => {
    const policy = { allowPrivateNetworks: false, allowedAddresses: ['10.1.0.0/16'] };
    await expect(assertFetchableUrl('http://10.1.2.3/b.zip', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertFetchableUrl('http://10.2.0.1/b.zip', policy)).rejects.toThrow(EgressRefused);
  });

  it('never puts the path or query in a message', async () => {
    await expect(assertFetchableUrl('http://127.0.0.1/secret-path?X-Amz-Signature=s3cr3t', closed)).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/secret|s3cr3t/) }),
    );
  });
});

describe('createEgressAgents', () => {
  it('refuses a connection to a loopback address at connection time, and allows it when told to', async () => {
    const server = await startLocalHttpServer({ '/ok': (_, res) => res.end('ok') });
    const get = (allowPrivateNetworks: boolean) =>
      new Promise<number>((resolve, reject) => {
        const agents = createEgressAgents({ allowPrivateNetworks });
        request(server.url('/ok'), { agent: agents.http }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    try {
      await expect(get(false)).rejects.toThrow(/127\.0\.0\.1.*is not allowed/);
      await expect(get(true)).resolves.toBe(200);
      expect(server.requests).toEqual(['GET /ok']);
    } finally {
      await server.close();
    }
  });
});
