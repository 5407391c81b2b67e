import { existsSync } from 'node:fs';
import { Client } from 'minio';
import { startS3rver } from './s3rver-server';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('startS3rver', () => {
  it('serves S3 on a free loopback port with a ready bucket, and removes its directory on stop', async () => {
    const server = await startS3rver({ bucket: 'fixture' });
    try {
      expect(server.endPoint).toBe('127.0.0.1');
      expect(server.port).toBeGreaterThan(0);
      const client = new Client({ ...server, useSSL: false });
      expect(await client.bucketExists('fixture')).toBe(true);
      await client.putObject('fixture', 'a/b.txt', Buffer.from('hello'));
      expect((await readAll(await client.getObject('fixture', 'a/b.txt'))).toString()).toBe('hello');
    } finally {
      await server.stop();
    }
    expect(existsSync(server.directory)).toBe(false);
  });

  it('stores concurrent PUTs of one key whole (its writes are patched to be atomic)', async () => {
    const server = await startS3rver({ bucket: 'race' });
    try {
      const client = new Client({ ...server, useSSL: false });
      const bodies = [Buffer.alloc(3_000_000, 'a'), Buffer.alloc(2_000_000, 'b'), Buffer.alloc(1_000_000, 'c')];
      for (let round = 0; round < 3; round++) {
        await Promise.all(bodies.map((body) => client.putObject('race', 'k', body)));
        const stored = await readAll(await client.getObject('race', 'k'));
        expect(bodies.some((body) => body.equals(stored))).toBe(true);
        expect((await client.statObject('race', 'k')).size).toBe(stored.length);
      }
    } finally {
      await server.stop();
    }
  });
});
