import { StorageType, type KV, type NatsConnection } from 'nats';
import type { CheckpointStore } from '../../port/checkpoint-store.port';
import { hasJetStreamErrorCode, JetStreamErrorCode } from './jetstream-api-error';
import { jetStreamNames } from './jetstream-names';

export interface NatsKvCheckpointStoreOptions {
  /** Names the bucket: `hangar` -> `hangar_checkpoints`. */
  prefix: string;
  /** Replicas of the bucket `init` creates (default 1). */
  replicas?: number;
}

/**
 * Checkpoints in a JetStream KV bucket, shared by every copy of a subscriber. `advance` is a compare-and-swap loop
 * (create when absent, update at the read revision), so racing copies never move a checkpoint backwards.
 * Positions are decimal strings (they may exceed 2^53). The connection belongs to the caller: `close()` leaves it open.
 */
export class NatsKvCheckpointStore implements CheckpointStore {
  private constructor(
    private readonly kv: KV,
    readonly bucket: string,
  ) {}

  /** Binds to the bucket, creating it when missing. */
  static async init(nc: NatsConnection, options: NatsKvCheckpointStoreOptions): Promise<NatsKvCheckpointStore> {
    const bucket = jetStreamNames(options.prefix).checkpointBucket;
    const kv = await nc.jetstream().views.kv(bucket, { history: 1, storage: StorageType.File, replicas: options.replicas ?? 1 });
    return new NatsKvCheckpointStore(kv, bucket);
  }

  async load(name: string): Promise<bigint | null> {
    return (await this.read(name))?.position ?? null;
  }

  async advance(name: string, position: bigint): Promise<bigint> {
    const key = checkpointKey(name);
    for (;;) {
      const stored = await this.read(name);
      if (stored && stored.position >= position) return stored.position;
      try {
        if (stored) await this.kv.update(key, position.toString(), stored.revision);
        else await this.kv.create(key, position.toString());
        return position;
      } catch (error) {
        // Another copy wrote in between: read its value and decide again.
        if (!hasJetStreamErrorCode(error, JetStreamErrorCode.wrongLastSequence)) throw error;
      }
    }
  }

  async close(): Promise<void> {
    // Nothing of our own to release: the KV view lives on the caller's connection.
  }

  private async read(name: string): Promise<{ position: bigint; revision: number } | null> {
    const entry = await this.kv.get(checkpointKey(name));
    if (!entry || entry.operation !== 'PUT') return null;
    return { position: BigInt(entry.string()), revision: entry.revision };
  }
}

/** KV keys accept `[-/=.\w]` without empty tokens: every other character, and `=` itself, becomes `=XX` (UTF-8). */
export function checkpointKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/gu, (character) =>
    [...Buffer.from(character, 'utf8')].map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
