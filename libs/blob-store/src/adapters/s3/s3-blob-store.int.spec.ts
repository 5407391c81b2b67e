import { randomBytes } from 'node:crypto';
import { startS3rver, type S3rverServer } from '@hangar/testing';
import { blobStoreContract, readAll } from '../../testing/blob-store.contract';
import { S3BlobStore } from './s3-blob-store';
import { MIN_PART_SIZE } from './s3-blob-store.options';

let server: S3rverServer;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  await server?.stop();
});

let buckets = 0;
/** A new bucket per test (created by the store on first use): tests share the server and must not see each other. */
function storeOnFreshBucket(): S3BlobStore {
  return new S3BlobStore({
    endPoint: server.endPoint,
    port: server.port,
    useSSL: false,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: server.region,
    bucket: `blobs-${process.pid}-${++buckets}`,
    pathStyle: true,
    partSize: MIN_PART_SIZE, // 5 MiB, so that the contract's 12 MiB bodies go through multipart
  });
}

blobStoreContract('S3BlobStore (s3rver)', async () => {
  const store = storeOnFreshBucket();
  return { store, cleanup: () => store.close() };
});

describe('S3BlobStore uploads', () => {
  let store: S3BlobStore;
  beforeEach(() => {
    store = storeOnFreshBucket();
  });
  afterEach(() => store.close());

  it('sends a body larger than one part as a multipart upload, without ListMultipartUploads', async () => {
    const client = store['client'];
    const uploadPart = jest.spyOn(client, 'uploadPart');
    const listUploads = jest.spyOn(client, 'listIncompleteUploadsQuery');
    const body = randomBytes(2 * MIN_PART_SIZE + 1);
    await store.put('multi', body);
    expect(uploadPart.mock.calls.map(([config, data]) => [config.partNumber, (data as Buffer).length])).toEqual([
      [1, MIN_PART_SIZE],
      [2, MIN_PART_SIZE],
      [3, 1],
    ]);
    expect(listUploads).not.toHaveBeenCalled();
    expect((await readAll(await store.get('multi'))).equals(body)).toBe(true);
  });

  it('sends a body of exactly one part in a single PUT', async () => {
    const uploadPart = jest.spyOn(store['client'], 'uploadPart');
    await store.put('single', randomBytes(MIN_PART_SIZE));
    expect(uploadPart).not.toHaveBeenCalled();
    await expect(store.stat('single')).resolves.toEqual({ key: 'single', size: MIN_PART_SIZE });
  });

  it('refuses a part size under S3 minimum', () => {
    expect(() => new S3BlobStore({ ...server, bucket: 'b', partSize: 1024 })).toThrow(RangeError);
  });

  it('says localPath null', () => {
    expect(store.localPath('a/b')).toBeNull();
  });
});
