import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  ErrorCode,
  headers as natsHeaders,
  nanos,
  NatsError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
  type Subscription as NatsSubscription,
} from 'nats';
import { describeFailure, remoteErrorFrom } from '../../failure/remote-failure';
import { BusClosed, NoResponder, RequestTimedOut } from '../../port/bus.errors';
import type {
  MessageBus,
  MessageHandler,
  PublishOptions,
  RequestHandler,
  SubscribeOptions,
  Subscription,
} from '../../port/message-bus.port';
import { assertValidSubject } from '../../subject/subject-pattern';
import { JetStreamNames } from './jetstream-names';
import { ensureStream } from './jetstream-stream';
import { JetStreamSubscription } from './jetstream-subscription';
import { decodeJson, encodeJson, isFailureReply, type RpcReply } from './rpc-envelope';

export interface JetStreamBusOptions {
  /** Scopes every subject (`<prefix>.bus.*`, `.rpc.*`, `.fanout.*`) and names the stream `<PREFIX>_BUS`. */
  prefix: string;
  /** Stream max age (limits retention). Default 7 days. */
  maxAgeMs?: number;
  /** Stream duplicate window for `Nats-Msg-Id`. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Consumer ack_wait: how long after a silent crash a message comes back. Default 30 s. */
  ackWaitMs?: number;
  /** How often a running handler sends `working()`. Default a third of ackWaitMs. */
  workingIntervalMs?: number;
  /** Default `request` timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Stream replicas (3 in a production cluster). Default 1. */
  replicas?: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Responders on a subject form one queue group, so each request goes to one of them. */
const RESPONDERS_QUEUE = 'responders';

/**
 * The bus on NATS: durable messages in a JetStream stream consumed by durable pull consumers, request/reply and
 * broadcast on core NATS. It borrows the connection it is given: `close()` stops its consumers and subscriptions
 * but leaves the connection open, since the caller owns it (and may share it with an event store or KV).
 *
 * Use `JetStreamBus.create(nc, options)`, which creates or updates the stream; the constructor alone does not.
 */
export class JetStreamBus implements MessageBus {
  private readonly logger = new Logger(JetStreamBus.name);
  private readonly names: JetStreamNames;
  private readonly js: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly consumerLoops = new Set<JetStreamSubscription>();
  private readonly coreSubscriptions = new Set<NatsSubscription>();
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: JetStreamBusOptions,
  ) {
    this.names = new JetStreamNames(options.prefix);
    this.js = nc.jetstream();
  }

  static async create(nc: NatsConnection, options: JetStreamBusOptions): Promise<JetStreamBus> {
    const bus = new JetStreamBus(nc, options);
    await bus.init();
    return bus;
  }

  get streamName(): string {
    return this.names.stream;
  }

  /** Creates the stream, or brings an existing one to this configuration. Safe to run from every process. */
  async init(): Promise<void> {
    const jsm = await this.manager();
    const config: Partial<StreamConfig> & { name: string } = {
      name: this.names.stream,
      subjects: [this.names.streamSubjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(this.options.maxAgeMs ?? 7 * DAY),
      duplicate_window: nanos(this.options.duplicateWindowMs ?? 2 * MINUTE),
      num_replicas: this.options.replicas ?? 1,
    };
    await ensureStream(jsm, config);
  }

  async publish<T>(subject: string, data: T, options: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: false });
    const headers = natsHeaders();
    for (const [key, value] of Object.entries(options.headers ?? {})) headers.set(key, value);
    await this.js.publish(this.names.durable(subject), encodeJson(data), {
      msgID: options.id ?? randomUUID(),
      headers,
    });
  }

  async subscribe<T>(subject: string, options: SubscribeOptions, handler: MessageHandler<T>): Promise<Subscription> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: true });
    const jsm = await this.manager();
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const ackWaitMs = this.options.ackWaitMs ?? 30_000;
    const durable = this.names.consumer(options.group, subject);
    // Create or update: a restarted process binds to the same consumer and picks up where its group left off.
    await jsm.consumers.add(this.names.stream, {
      durable_name: durable,
      filter_subject: this.names.durable(subject),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: options.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      max_deliver: -1,
      ack_wait: nanos(ackWaitMs),
      // Consumer-wide, so across every process of the group: concurrency 1 keeps the group's order, and replicas of
      // a service add failover rather than parallelism.
      max_ack_pending: concurrency,
    });
    const consumer = await this.js.consumers.get(this.names.stream, durable);
    const loop = await JetStreamSubscription.start(
      consumer,
      handler as MessageHandler<unknown>,
      this.names,
      { concurrency, retryDelaysMs: options.retryDelaysMs, workingIntervalMs: this.options.workingIntervalMs ?? Math.max(100, ackWaitMs / 3) },
      this.logger,
    );
    this.consumerLoops.add(loop);
    return {
      close: async () => {
        this.consumerLoops.delete(loop);
        await loop.close();
      },
    };
  }

  async request<Q, R>(subject: string, request: Q, options: { timeoutMs?: number } = {}): Promise<R> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: false });
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000;
    let reply: RpcReply;
    try {
      const msg = await this.nc.request(this.names.rpc(subject), encodeJson(request), { timeout: timeoutMs });
      reply = decodeJson<RpcReply>(msg.data);
    } catch (error) {
      if (error instanceof NatsError && error.code === ErrorCode.NoResponders) throw new NoResponder(subject);
      if (error instanceof NatsError && error.code === ErrorCode.Timeout) throw new RequestTimedOut(subject, timeoutMs);
      throw error;
    }
    if (isFailureReply(reply)) throw remoteErrorFrom(reply.error);
    return reply.result as R;
  }

  async respond<Q, R>(subject: string, handler: RequestHandler<Q, R>): Promise<Subscription> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: true });
    const subscription = this.nc.subscribe(this.names.rpc(subject), {
      queue: RESPONDERS_QUEUE,
      callback: (error, msg) => {
        if (error) return this.logger.error(`responder on ${subject}: ${String(error)}`);
        void Promise.resolve()
          .then(() => handler(decodeJson<Q>(msg.data)))
          .then(
            (result): RpcReply => ({ result }),
            (failure: unknown): RpcReply => ({ error: describeFailure(failure) }),
          )
          .then((reply) => msg.respond(encodeJson(reply)))
          .catch((failure: unknown) => this.logger.error(`could not reply on ${subject}: ${String(failure)}`));
      },
    });
    // Interest must reach the server before `respond` resolves, or a request right after it would find no responder.
    await this.nc.flush();
    return this.track(subscription);
  }

  async broadcast<T>(subject: string, data: T): Promise<void> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: false });
    this.nc.publish(this.names.fanout(subject), encodeJson(data));
  }

  async listen<T>(subject: string, handler: (data: T, subject: string) => void): Promise<Subscription> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: true });
    const subscription = this.nc.subscribe(this.names.fanout(subject), {
      callback: (error, msg) => {
        if (error) return this.logger.error(`listener on ${subject}: ${String(error)}`);
        try {
          handler(decodeJson<T>(msg.data), this.names.relative(msg.subject, 'fanout'));
        } catch (failure) {
          this.logger.error(`listener on ${subject} failed: ${String(failure)}`);
        }
      },
    });
    // Interest must reach the server before `listen` resolves, or a broadcast right after it could miss us.
    await this.nc.flush();
    return this.track(subscription);
  }

  /**
   * Stops every consumer and subscription of this bus; handlers still running are abandoned (their messages come
   * back after ack_wait). The NATS connection stays open: whoever created it closes it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loops = [...this.consumerLoops];
    this.consumerLoops.clear();
    await Promise.all(loops.map((loop) => loop.abandon()));
    for (const subscription of this.coreSubscriptions) subscription.unsubscribe();
    this.coreSubscriptions.clear();
    if (!this.nc.isClosed()) await this.nc.flush().catch(() => undefined);
  }

  private track(subscription: NatsSubscription): Subscription {
    this.coreSubscriptions.add(subscription);
    return {
      close: async () => {
        this.coreSubscriptions.delete(subscription);
        subscription.unsubscribe();
      },
    };
  }

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await this.nc.jetstreamManager();
    return this.jsm;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosed();
  }
}
