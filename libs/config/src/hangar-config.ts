import { resolve } from 'node:path';
import { DEFAULT_AVG_CHUNK_BYTES } from '@hangar/contracts';

export type EventStoreKind = 'sqlite' | 'jetstream' | 'kurrentdb';
export type BusKind = 'embedded' | 'nats';
export type BlobStoreConfig =
  /** `flush`: see `HANGAR_BLOB_FLUSH` (docs/configuration.md). */
  | { kind: 'fs'; root: string; flush: 'filesystem' | 'files' }
  | { kind: 's3'; endPoint: string; port: number; useSSL: boolean; accessKey: string; secretKey: string; bucket: string; region: string };

/** Everything Hangar reads from its environment, validated once at start (see docs/configuration.md). */
export interface HangarConfig {
  mode: 'embedded' | 'distributed';
  port: number;
  dataDir: string;
  adminToken: string | null;
  natsUrl: string;
  natsPrefix: string;
  eventStore: EventStoreKind;
  kurrentDbUrl: string | null;
  bus: BusKind;
  blobStore: BlobStoreConfig;
  allowPrivateNetworks: boolean;
  regions: string[];
  /**
   * `quorum`: worker agents of the region that must report a build ready before it is Approved; `timeoutMs`: how long
   * a distribution round may take to get them before the build is rejected (NO_WORKERS). Fixed into each round.
   */
  distribution: { quorum: number; timeoutMs: number };
  maxBuildBytes: number;
  /** Average chunk size of the content-addressed store (a power of two); changing it re-chunks nothing already stored. */
  chunkAvgBytes: number;
  /**
   * Where the downloader also writes each build's files as it ingests the zip, for a worker agent on the same
   * filesystem to move into its build folder (`HANGAR_LOCAL_EXTRACTION`, on in embedded mode): `<dataDir>/extracted`,
   * or null when off.
   */
  localExtractionDir: string | null;
  downloadTimeoutMs: number;
  /** Waits before each new attempt of a broken download (resumed with Range); how many bounds the attempts. */
  downloadRetryDelaysMs: number[];
  webhookTimeoutMs: number;
  /** Seals webhook signing secrets in the event store; null: a key generated in `$HANGAR_DATA_DIR/secret.key`. */
  secretKey: string | null;
  /** How long after a rotation the previous webhook secret still signs (both signatures are sent). */
  webhookSecretOverlapMs: number;
  /** Waits before each retry of a failed webhook delivery (jittered); after the last, the delivery is given up. */
  webhookRetryScheduleMs: number[];
  /** An endpoint that has failed without a success for this long is disabled. */
  webhookDisableAfterMs: number;
  /** How long the webhook dispatcher's lease outlives its holder's last renewal (a killed holder's successor waits this long). */
  webhookLeaseTtlMs: number;
  /** Delays between redeliveries of a failed message (the last one repeats). */
  retryDelaysMs: number[];
  /** How long after a silent crash an unacknowledged message is redelivered (JetStream ack wait). */
  busAckWaitMs: number;
  /** The worker agent; `cacheBytes`: build folders it keeps before evicting the least recently distributed. */
  worker: { id: string; region: string; dir: string; capacity: number; cacheBytes: number };
  /**
   * The worker agents' check of a build whose project sets none (`HANGAR_SANITY_CHECK`, a JSON array of arguments,
   * and `HANGAR_SANITY_CHECK_TIMEOUT_SECONDS`); null: builds of such projects are not checked.
   */
  sanityCheck: { command: string[]; timeoutSeconds: number } | null;
  /**
   * The archive tier: a build not live for `afterMs` (null: never) moves to cold storage under `prefix` of the blob
   * store; the repository looks for such builds every `sweepMs`.
   */
  archive: { afterMs: number | null; sweepMs: number; prefix: string };
}

/** 100 GiB of build folders per worker: a few dozen builds of a typical size. */
export const DEFAULT_WORKER_CACHE_BYTES = 100 * 1024 ** 3;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** 24 GB: Streampixel's documented (soft) limit. */
export const DEFAULT_MAX_BUILD_BYTES = 24 * 1000 ** 3;

export function loadConfig(env: Env, mode: 'embedded' | 'distributed'): HangarConfig {
  const dataDir = resolve(env.HANGAR_DATA_DIR || './.hangar');
  const eventStore = oneOf(env, 'HANGAR_EVENT_STORE', ['sqlite', 'jetstream', 'kurrentdb'], mode === 'embedded' ? 'sqlite' : 'jetstream');
  const bus = oneOf(env, 'HANGAR_BUS', ['embedded', 'nats'], mode === 'embedded' ? 'embedded' : 'nats');
  if (mode === 'distributed' && bus === 'embedded') throw new ConfigError('HANGAR_BUS=embedded cannot connect separate processes: use nats');
  if (eventStore === 'kurrentdb' && !env.KURRENTDB_URL) throw new ConfigError('HANGAR_EVENT_STORE=kurrentdb needs KURRENTDB_URL');
  const regions = list(env.HANGAR_REGIONS) ?? ['us-east-1', 'europe', 'asia-pacific'];
  return {
    mode,
    port: int(env, 'PORT', 8080, 0, 65535),
    dataDir,
    adminToken: env.HANGAR_ADMIN_TOKEN || null,
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    natsPrefix: natsName(env.HANGAR_NATS_PREFIX || 'hangar'),
    eventStore,
    kurrentDbUrl: env.KURRENTDB_URL || null,
    bus,
    blobStore: blobStore(env, dataDir),
    allowPrivateNetworks: bool(env, 'HANGAR_ALLOW_PRIVATE_NETWORKS', false),
    // Off by default in distributed mode: there the downloader and the workers are on different machines.
    localExtractionDir: bool(env, 'HANGAR_LOCAL_EXTRACTION', mode === 'embedded') ? resolve(dataDir, 'extracted') : null,
    regions,
    distribution: {
      quorum: int(env, 'HANGAR_WORKER_QUORUM', 1, 1, 1000),
      timeoutMs: int(env, 'HANGAR_DISTRIBUTION_TIMEOUT_SECONDS', 600, 1, 86_400) * 1000,
    },
    maxBuildBytes: int(env, 'HANGAR_MAX_BUILD_BYTES', DEFAULT_MAX_BUILD_BYTES, 1, Number.MAX_SAFE_INTEGER),
    chunkAvgBytes: int(env, 'HANGAR_CHUNK_AVG_BYTES', DEFAULT_AVG_CHUNK_BYTES, 256, 2 ** 28),
    downloadTimeoutMs: int(env, 'HANGAR_DOWNLOAD_TIMEOUT_SECONDS', 60, 1, 86_400) * 1000,
    // `none`: a broken download fails at once.
    downloadRetryDelaysMs:
      env.HANGAR_DOWNLOAD_RETRY_DELAYS_SECONDS?.trim() === 'none' ? [] : seconds(env, 'HANGAR_DOWNLOAD_RETRY_DELAYS_SECONDS', ['0.5', '1', '2', '4', '8']),
    webhookTimeoutMs: int(env, 'HANGAR_WEBHOOK_TIMEOUT_SECONDS', 10, 1, 300) * 1000,
    secretKey: env.HANGAR_SECRET_KEY || null,
    webhookSecretOverlapMs: int(env, 'HANGAR_WEBHOOK_SECRET_OVERLAP_SECONDS', 86_400, 0, 30 * 86_400) * 1000,
    // Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    webhookRetryScheduleMs: seconds(env, 'HANGAR_WEBHOOK_RETRY_SCHEDULE', ['5', '300', '1800', '7200', '18000', '36000', '50400', '72000', '86400']),
    webhookDisableAfterMs: Number(seconds(env, 'HANGAR_WEBHOOK_DISABLE_AFTER_SECONDS', ['259200'])[0]),
    webhookLeaseTtlMs: positive(Number(seconds(env, 'HANGAR_WEBHOOK_LEASE_SECONDS', ['15'])[0]), 'HANGAR_WEBHOOK_LEASE_SECONDS'),
    retryDelaysMs: seconds(env, 'HANGAR_RETRY_DELAYS_SECONDS', ['1', '5', '30', '120']),
    busAckWaitMs: int(env, 'HANGAR_BUS_ACK_WAIT_SECONDS', 30, 1, 3600) * 1000,
    worker: {
      id: env.HANGAR_WORKER_ID || `worker-${env.HOSTNAME || 'local'}-${process.pid}`,
      region: env.HANGAR_WORKER_REGION || regions[0],
      dir: resolve(env.HANGAR_WORKER_DIR || resolve(dataDir, 'worker')),
      capacity: int(env, 'HANGAR_WORKER_CAPACITY', 1, 1, 10_000),
      cacheBytes: int(env, 'HANGAR_WORKER_CACHE_BYTES', DEFAULT_WORKER_CACHE_BYTES, 0, Number.MAX_SAFE_INTEGER),
    },
    sanityCheck: sanityCheck(env),
    archive: {
      // 0: never. 30 days by default.
      afterMs: int(env, 'HANGAR_ARCHIVE_AFTER_SECONDS', 30 * 86_400, 0, 10 * 365 * 86_400) * 1000 || null,
      sweepMs: int(env, 'HANGAR_ARCHIVE_SWEEP_SECONDS', 300, 1, 86_400) * 1000,
      prefix: archivePrefix(env.HANGAR_ARCHIVE_PREFIX || 'cold/'),
    },
  };
}

function archivePrefix(prefix: string): string {
  if (!/^([a-z0-9][a-z0-9_-]*\/)+$/i.test(prefix) || ['chunks/', 'manifests/', 'builds/', 'uploads/', 'gc/'].includes(prefix)) {
    throw new ConfigError(`HANGAR_ARCHIVE_PREFIX=${prefix}: a folder of the blob store ending in / (not one Hangar uses for hot data)`);
  }
  return prefix;
}

function sanityCheck(env: Env): HangarConfig['sanityCheck'] {
  const value = env.HANGAR_SANITY_CHECK?.trim();
  if (!value) return null;
  let command: unknown;
  try {
    command = JSON.parse(value);
  } catch {
    command = null;
  }
  if (!Array.isArray(command) || command.length === 0 || command.some((arg) => typeof arg !== 'string' || arg.length === 0)) {
    throw new ConfigError(`HANGAR_SANITY_CHECK=${value}: expected a JSON array of arguments, e.g. ["{exe}","-RenderOffScreen"]`);
  }
  return { command, timeoutSeconds: int(env, 'HANGAR_SANITY_CHECK_TIMEOUT_SECONDS', 120, 1, 3600) };
}

function blobStore(env: Env, dataDir: string): BlobStoreConfig {
  const kind = oneOf(env, 'HANGAR_BLOB_STORE', ['fs', 's3'], 'fs');
  if (kind === 'fs') return { kind, root: resolve(env.HANGAR_BLOB_DIR || resolve(dataDir, 'blobs')), flush: oneOf(env, 'HANGAR_BLOB_FLUSH', ['filesystem', 'files'], 'filesystem') };
  const endpoint = env.S3_ENDPOINT;
  if (!endpoint) throw new ConfigError('HANGAR_BLOB_STORE=s3 needs S3_ENDPOINT (e.g. http://127.0.0.1:9000)');
  const url = new URL(endpoint);
  const accessKey = env.S3_ACCESS_KEY;
  const secretKey = env.S3_SECRET_KEY;
  if (!accessKey || !secretKey) throw new ConfigError('HANGAR_BLOB_STORE=s3 needs S3_ACCESS_KEY and S3_SECRET_KEY');
  return {
    kind,
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey,
    secretKey,
    bucket: env.S3_BUCKET || 'hangar',
    region: env.S3_REGION || 'us-east-1',
  };
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name];
  if (!value) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name}=${value}: expected one of ${allowed.join(', ')}`);
  return value as T;
}
function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}=${value}: expected a whole number from ${min} to ${max}`);
  return n;
}
function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name}=${value}: expected true or false`);
}
/** A comma-separated list of seconds, as milliseconds. */
function positive(value: number, name: string): number {
  if (value <= 0) throw new ConfigError(`${name} must be more than 0`);
  return value;
}
function seconds(env: Env, name: string, fallback: string[]): number[] {
  return (list(env[name]) ?? fallback).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name}: ${s} is not a number of seconds`);
    return n * 1000;
  });
}
function list(value: string | undefined): string[] | null {
  if (!value) return null;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : null;
}
function natsName(prefix: string): string {
  if (!/^[a-z][a-z0-9_-]{0,30}$/i.test(prefix)) throw new ConfigError(`HANGAR_NATS_PREFIX=${prefix}: letters, digits, - and _ only`);
  return prefix;
}

export const HANGAR_CONFIG = Symbol('HANGAR_CONFIG');
