import { InvalidS3BlobStoreUrl, s3BlobStoreOptionsFromUrl } from './s3-blob-store.options';

describe('s3BlobStoreOptionsFromUrl', () => {
  it('reads endpoint, credentials, bucket and options', () => {
    expect(s3BlobStoreOptionsFromUrl('http://minio:mini%2Fo%2Bsecret@127.0.0.1:9000/hangar-blobs?region=eu-west-1')).toEqual({
      endPoint: '127.0.0.1',
      port: 9000,
      useSSL: false,
      accessKey: 'minio',
      secretKey: 'mini/o+secret',
      region: 'eu-west-1',
      bucket: 'hangar-blobs',
      pathStyle: true,
    });
    expect(s3BlobStoreOptionsFromUrl('https://AK:SK@s3.amazonaws.com/b?pathStyle=false&partSize=67108864')).toMatchObject({
      endPoint: 's3.amazonaws.com',
      port: undefined,
      useSSL: true,
      region: 'us-east-1',
      pathStyle: false,
      partSize: 64 * 1024 * 1024,
    });
  });

  it.each(['not a url', 'ftp://a:b@h/b', 'http://a:b@h/', 'http://a:b@h/b/c', 'http://h/b'])('refuses %s', (url) => {
    expect(() => s3BlobStoreOptionsFromUrl(url)).toThrow(InvalidS3BlobStoreUrl);
  });
});
