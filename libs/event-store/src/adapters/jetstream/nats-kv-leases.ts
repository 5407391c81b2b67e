import { nanos, StorageType, type KV, type NatsConnection } from 'nats';
import { performance } from 'node:perf_hooks';
import type { Lease, Leases } from '../../port/lease.port';
import { hasJetStreamErrorCode, JetStreamErrorCode } from './jetstream-api-error';
import { checkpointKey } from './nats-kv-checkpoint-store';
import { jetStreamNames } from './jetstream-names';

export interface NatsKvLeasesOptions {
  /** Names the bucket: `hangar` -> `hangar_leases`. */
  prefix: string;
  /** How long a lease lives after its last renewal (the bucket's max age: the server expires it, no clock skew). */
  ttlMs: number;
  replicas?: number;
}

/**
 * Leases in a JetStream KV bucket whose entries expire `ttlMs` after they were written (the server removes them):
 * taking a lease is a `create` (only when the key is absent or deleted), renewing it an `update` at the revision this
 * holder last wrote (so a holder that lost it cannot renew over its successor). A holder acts only while less than
 * the time to live, minus a margin, has passed since it sent its last successful renewal; a successor can take the
 * key only after the server expired it, a full time to live after that renewal was stored. The gap between the two
 * is the fencing: the old holder stops before the new one starts, unless its clock runs slower than the server's
 * by more than the margin.
 */
export class NatsKvLeases implements Leases {
  private constructor(
    private readonly kv: KV,
    private readonly ttlMs: number,
    readonly bucket: string,
  ) {}

  static async init(nc: NatsConnection, options: NatsKvLeasesOptions): Promise<NatsKvLeases> {
    const bucket = jetStreamNames(options.prefix).leaseBucket;
    const kv = await nc.jetstream().views.kv(bucket, { history: 1, ttl: options.ttlMs, storage: StorageType.File, replicas: options.replicas ?? 1 });
    // An existing bucket keeps the age it was made with: a holder trusting a longer time to live than the server's
    // would act after its successor took over. So the bucket follows the configuration.
    if ((await kv.status()).ttl !== options.ttlMs) {
      const jsm = await nc.jetstreamManager();
      const stream = `KV_${bucket}`;
      const { config } = await jsm.streams.info(stream);
      await jsm.streams.update(stream, { ...config, max_age: nanos(options.ttlMs) });
    }
    return new NatsKvLeases(kv, options.ttlMs, bucket);
  }

  lease(name: string, holder: string): Lease {
    return new NatsKvLease(this.kv, checkpointKey(name), name, holder, this.ttlMs);
  }
}

class NatsKvLease implements Lease {
  /** The KV revision this holder last wrote; null when it does not hold the lease. */
  private revision: number | null = null;
  /** `performance.now()` until which acting is safe. */
  private validUntil = 0;

  constructor(
    private readonly kv: KV,
    private readonly key: string,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const sentAt = performance.now();
    try {
      this.revision = this.revision === null ? await this.kv.create(this.key, this.holder) : await this.kv.update(this.key, this.holder, this.revision);
      // A fifth of the time to live is the margin for clock drift and the renewal's own latency.
      this.validUntil = sentAt + this.ttlMs * 0.8;
      return true;
    } catch (error) {
      // Someone else holds it (create found a live key), or took it after ours expired (update at a stale revision).
      if (!hasJetStreamErrorCode(error, JetStreamErrorCode.wrongLastSequence) && !/wrong last sequence|key exists/i.test(String((error as Error)?.message))) {
        // Unreachable server: keep acting only within what the last renewal guarantees.
        throw error;
      }
      this.revision = null;
      this.validUntil = 0;
      return false;
    }
  }

  isHeld(): boolean {
    return this.revision !== null && performance.now() < this.validUntil;
  }

  async release(): Promise<void> {
    const revision = this.revision;
    this.revision = null;
    this.validUntil = 0;
    if (revision === null) return;
    await this.kv.delete(this.key, { previousSeq: revision }).catch(() => undefined);
  }
}
