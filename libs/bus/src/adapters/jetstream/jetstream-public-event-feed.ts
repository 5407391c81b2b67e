import { headers as natsHeaders, nanos, RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import { PublicEventFeed, streamCategory, type PublishedEvent } from '@hangar/contracts';
import type { MessageBus, PublishOptions } from '../../port/message-bus.port';
import { ensureStream } from './jetstream-stream';
import { encodeJson } from './rpc-envelope';

export interface JetStreamPublicEventFeedOptions {
  prefix: string;
  /** How long the feed keeps events (default: forever; the event store is the record, the feed a way to follow it). */
  maxAgeMs?: number;
  replicas?: number;
}

const DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * The public feed's JetStream stream (`<PREFIX>_PUBLIC_EVENTS`, subjects `<prefix>.public.<category>.<Type>`), written
 * by an event relay: each message is one stored event as `GET /v1/events` shows it, with its store position and type
 * in headers and its id as `Nats-Msg-Id` (so relays running side by side do not store it twice). Services read it with
 * consumers of their own (docs/events.md); Hangar never consumes it.
 */
export class JetStreamPublicEventFeed implements Pick<MessageBus, 'publish'> {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly prefix: string,
  ) {}

  static async create(nc: NatsConnection, options: JetStreamPublicEventFeedOptions): Promise<JetStreamPublicEventFeed> {
    await ensureStream(await nc.jetstreamManager(), {
      name: PublicEventFeed.streamName(options.prefix),
      subjects: [PublicEventFeed.allSubjects(options.prefix)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(options.maxAgeMs ?? 0),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: options.replicas ?? 1,
    });
    return new JetStreamPublicEventFeed(nc.jetstream(), options.prefix);
  }

  /** Publishes one relayed event (the relay's subject is ignored: the feed has its own). */
  async publish<T>(_subject: string, data: T, options: PublishOptions = {}): Promise<void> {
    const event = data as PublishedEvent;
    const headers = natsHeaders();
    headers.set(PublicEventFeed.positionHeader, event.position);
    headers.set(PublicEventFeed.typeHeader, event.type);
    headers.set(PublicEventFeed.schemaVersionHeader, '1');
    const category = streamCategory(event.stream) as 'build' | 'project';
    await this.js.publish(PublicEventFeed.subject(this.prefix, category, event.type), encodeJson(event), { msgID: options.id ?? event.id, headers });
  }
}
