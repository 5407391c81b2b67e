import { ConfigError, loadConfig } from './hangar-config';

describe('loadConfig: the webhook dispatcher lease', () => {
  it('lasts 15 s by default, in seconds from HANGAR_WEBHOOK_LEASE_SECONDS, and never 0 (a lease nobody could hold)', () => {
    expect(loadConfig({}, 'distributed').webhookLeaseTtlMs).toBe(15_000);
    expect(loadConfig({ HANGAR_WEBHOOK_LEASE_SECONDS: '2.5' }, 'distributed').webhookLeaseTtlMs).toBe(2500);
    expect(() => loadConfig({ HANGAR_WEBHOOK_LEASE_SECONDS: '0' }, 'distributed')).toThrow(ConfigError);
  });
});

describe('loadConfig: local extraction', () => {
  it('is on in embedded mode (one process, one filesystem) and off in distributed mode, unless HANGAR_LOCAL_EXTRACTION says', () => {
    expect(loadConfig({ HANGAR_DATA_DIR: '/data' }, 'embedded').localExtractionDir).toBe('/data/extracted');
    expect(loadConfig({ HANGAR_DATA_DIR: '/data' }, 'distributed').localExtractionDir).toBeNull();
    expect(loadConfig({ HANGAR_DATA_DIR: '/data', HANGAR_LOCAL_EXTRACTION: 'true' }, 'distributed').localExtractionDir).toBe('/data/extracted');
    expect(loadConfig({ HANGAR_LOCAL_EXTRACTION: 'false' }, 'embedded').localExtractionDir).toBeNull();
  });
});

describe('loadConfig: the chunk store', () => {
  it('cuts 2 MiB chunks on average by default (half the files of 1 MiB per GiB stored), or what HANGAR_CHUNK_AVG_BYTES says', () => {
    expect(loadConfig({}, 'embedded').chunkAvgBytes).toBe(2 * 1024 * 1024);
    expect(loadConfig({ HANGAR_CHUNK_AVG_BYTES: '1048576' }, 'embedded').chunkAvgBytes).toBe(1024 * 1024);
    expect(() => loadConfig({ HANGAR_CHUNK_AVG_BYTES: '100' }, 'embedded')).toThrow(ConfigError);
  });
});

describe('loadConfig: the filesystem blob store', () => {
  it('flushes a build\'s chunks with one flush of the filesystem by default, file by file when HANGAR_BLOB_FLUSH=files, and refuses anything else', () => {
    expect(loadConfig({ HANGAR_DATA_DIR: '/data' }, 'embedded').blobStore).toEqual({ kind: 'fs', root: '/data/blobs', flush: 'filesystem' });
    expect(loadConfig({ HANGAR_DATA_DIR: '/data', HANGAR_BLOB_FLUSH: 'files' }, 'embedded').blobStore).toMatchObject({ flush: 'files' });
    expect(() => loadConfig({ HANGAR_BLOB_FLUSH: 'sometimes' }, 'embedded')).toThrow(ConfigError);
  });
});
