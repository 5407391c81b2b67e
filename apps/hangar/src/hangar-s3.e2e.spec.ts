import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@hangar/config';
import { startEmbeddedHangar, type RunningHangar } from '@hangar/system';
import { HangarApiClient, startFileServer, startS3rver, writeUeBuildZip, type FileServer, type S3rverServer } from '@hangar/testing';

/**
 * The same pipeline with builds kept in S3 (s3rver here): the scanner reads the archive by range requests and the
 * worker agent materialises from objects, where the filesystem store would let them read files in place.
 */
describe('Hangar on an S3 blob store, end to end', () => {
  let tmp: string;
  let s3: S3rverServer;
  let files: FileServer;
  let hangar: RunningHangar;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'hangar-s3-'));
    s3 = await startS3rver({ bucket: 'hangar-builds' });
    files = await startFileServer();
    files.serveFile('/good.zip', (await writeUeBuildZip(join(tmp, 'good.zip'), { name: 'Cloud', fileCount: 200 })).path);
    files.serveFile('/no-exe.zip', (await writeUeBuildZip(join(tmp, 'no-exe.zip'), { name: 'Cloud', fileCount: 20, withoutExecutables: true })).path);
    const config = loadConfig(
      {
        HANGAR_DATA_DIR: join(tmp, 'data'),
        PORT: '0',
        HANGAR_ADMIN_TOKEN: 'admin',
        HANGAR_ALLOW_PRIVATE_NETWORKS: 'true',
        HANGAR_BLOB_STORE: 's3',
        S3_ENDPOINT: `http://${s3.endPoint}:${s3.port}`,
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        S3_BUCKET: 'hangar-builds',
      },
      'embedded',
    );
    hangar = await startEmbeddedHangar(config);
  });

  afterAll(async () => {
    await hangar?.close();
    await files?.close();
    await s3?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('takes a build to Approved, with the archive and the chunks of every file stored in the bucket', async () => {
    const api = new HangarApiClient(hangar.url);
    const user = await api.createUser('admin');
    const project = await api.createProject(user.apiKey, { name: 'Cloud', region: 'us-east-1' });
    const { body } = await api.uploadFile(user, project.id, files.url('/good.zip'));
    const file = await api.waitForFile(user, project.id, body.uploadId, (f) => f.status === 'Approved' && f.live);
    expect(file.fileCount).toBe(200);

    // The files are chunks in the bucket's content-addressed store, listed by the build's manifest.
    const manifest = JSON.parse(await streamText(await hangar.infra.blobStore.get(`manifests/${body.uploadId}.json`)));
    expect(manifest.files).toHaveLength(200);
    expect(manifest.files.find((f: any) => f.path === 'Cloud.exe')).toMatchObject({ crc32: expect.any(Number), chunks: [{ hash: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number) }] });
    const chunks = new Set<string>(manifest.files.flatMap((f: any) => f.chunks.map((c: any) => `chunks/${c.hash}`)));
    const stored: string[] = [];
    for await (const blob of hangar.infra.blobStore.list('chunks/')) stored.push(blob.key);
    expect([...chunks].filter((key) => !stored.includes(key))).toEqual([]);
    // Stored once: the zip goes once its chunks and manifest are in the bucket and the build is distributed.
    const zipKey = `uploads/${body.uploadId}/source.zip`;
    for (let tries = 0; tries < 100 && (await hangar.infra.blobStore.stat(zipKey)); tries++) await new Promise((r) => setTimeout(r, 100));
    expect(await hangar.infra.blobStore.stat(zipKey)).toBeNull();

    const bad = await api.uploadFile(user, project.id, files.url('/no-exe.zip'));
    const rejected = await api.waitForFile(user, project.id, bad.body.uploadId, (f) => f.status === 'Reject');
    expect(rejected.objection).toBe('Missing executable');
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
