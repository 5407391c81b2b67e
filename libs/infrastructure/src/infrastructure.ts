import { Global, Module, type DynamicModule } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { CLOCK, ID_GENERATOR, objectIdGenerator, systemClock, type Clock, type IdGenerator } from '@hangar/application';
import { BLOB_STORE, openBlobStore, type BlobStore } from '@hangar/blob-store';
import { EmbeddedBus, JetStreamBus, MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import {
  CHECKPOINT_STORE,
  EVENT_STORE,
  HashChainedEventStore,
  JetStreamEventStore,
  LEASES,
  NatsKvLeases,
  SingleProcessLeases,
  KurrentDbEventStore,
  NatsKvCheckpointStore,
  SqliteCheckpointStore,
  SqliteEventStore,
  type CheckpointStore,
  type EventStore,
  type Leases,
} from '@hangar/event-store';

/**
 * The adapters behind the ports, chosen once from validated config. Embedded and distributed modes differ only
 * here: SQLite store + SQLite-durable in-process bus + filesystem blobs, or JetStream (or KurrentDB) + JetStream bus
 * + filesystem or S3 blobs.
 */
export interface Infrastructure {
  config: HangarConfig;
  eventStore: EventStore;
  bus: MessageBus;
  blobStore: BlobStore;
  checkpoints: CheckpointStore;
  /** One holder at a time across processes (NATS KV), or trivially held in the single embedded process. */
  leases: Leases;
  clock: Clock;
  ids: IdGenerator;
  nats: NatsConnection | null;
  close(): Promise<void>;
}

export async function createInfrastructure(
  config: HangarConfig,
  overrides: { clock?: Clock; ids?: IdGenerator; name?: string } = {},
): Promise<Infrastructure> {
  mkdirSync(config.dataDir, { recursive: true });
  const needsNats = config.bus === 'nats' || config.eventStore === 'jetstream';
  const nats = needsNats
    ? await connect({ servers: config.natsUrl, name: overrides.name ?? 'hangar', maxReconnectAttempts: -1, reconnectTimeWait: 500 })
    : null;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const eventStore = await openEventStore(config, nats);
    closers.push(() => eventStore.close());
    const checkpoints: CheckpointStore = nats
      ? await NatsKvCheckpointStore.init(nats, { prefix: config.natsPrefix })
      : new SqliteCheckpointStore(join(config.dataDir, 'checkpoints.sqlite'));
    closers.push(() => checkpoints.close());
    const leases: Leases = nats ? await NatsKvLeases.init(nats, { prefix: config.natsPrefix, ttlMs: config.webhookLeaseTtlMs }) : new SingleProcessLeases();
    const bus: MessageBus =
      config.bus === 'nats' && nats
        ? await JetStreamBus.create(nats, { prefix: config.natsPrefix, ackWaitMs: config.busAckWaitMs })
        : new EmbeddedBus({ file: join(config.dataDir, 'bus.sqlite') });
    closers.push(() => bus.close());
    const blobStore = openBlobStore(config.blobStore);
    closers.push(() => blobStore.close());
    return {
      config,
      eventStore,
      bus,
      blobStore,
      checkpoints,
      leases,
      clock: overrides.clock ?? systemClock,
      ids: overrides.ids ?? objectIdGenerator,
      nats,
      async close() {
        for (const close of closers.reverse()) await close().catch(() => undefined);
        await nats?.drain().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await nats?.close();
    throw error;
  }
}

/** The configured event store alone, for tools that read or check it (the CLI), with what it needs to close. */
export async function connectEventStore(config: HangarConfig): Promise<{ eventStore: EventStore; close(): Promise<void> }> {
  const nats = config.eventStore === 'jetstream' ? await connect({ servers: config.natsUrl, name: 'hangar-cli' }) : null;
  const eventStore = await openEventStore(config, nats).catch(async (error) => {
    await nats?.close();
    throw error;
  });
  return {
    eventStore,
    async close() {
      await eventStore.close();
      await nats?.drain().catch(() => undefined);
    },
  };
}

/** The configured adapter, with every append hash-chained (docs/audit.md). */
async function openEventStore(config: HangarConfig, nats: NatsConnection | null): Promise<EventStore> {
  return new HashChainedEventStore(await openEventStoreAdapter(config, nats));
}

async function openEventStoreAdapter(config: HangarConfig, nats: NatsConnection | null): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return new SqliteEventStore(join(config.dataDir, 'events.sqlite'));
    case 'jetstream':
      if (!nats) throw new Error('the JetStream event store needs a NATS connection');
      return JetStreamEventStore.init(nats, { prefix: config.natsPrefix });
    case 'kurrentdb':
      return KurrentDbEventStore.connect(config.kurrentDbUrl as string);
  }
}

/** The ports as Nest providers, for every module of one Nest application. */
@Global()
@Module({})
export class InfrastructureModule {
  static with(infra: Infrastructure): DynamicModule {
    const providers = [
      { provide: HANGAR_CONFIG, useValue: infra.config },
      { provide: EVENT_STORE, useValue: infra.eventStore },
      { provide: MESSAGE_BUS, useValue: infra.bus },
      { provide: BLOB_STORE, useValue: infra.blobStore },
      { provide: CHECKPOINT_STORE, useValue: infra.checkpoints },
      { provide: LEASES, useValue: infra.leases },
      { provide: CLOCK, useValue: infra.clock },
      { provide: ID_GENERATOR, useValue: infra.ids },
    ];
    return { module: InfrastructureModule, global: true, providers, exports: providers.map((p) => p.provide) };
  }
}
