import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { describeFailure } from '../../failure/remote-failure';
import { BusClosed } from '../../port/bus.errors';
import type {
  MessageBus,
  MessageHandler,
  PublishOptions,
  RequestHandler,
  SubscribeOptions,
  Subscription,
} from '../../port/message-bus.port';
import { assertValidSubject } from '../../subject/subject-pattern';
import { EmbeddedConsumer } from './embedded-consumer';
import { EmbeddedMessageLog } from './embedded-message-log';
import { InProcessRpc } from './in-process-rpc';

export interface EmbeddedBusOptions {
  /** The SQLite file (created if missing). One EmbeddedBus per file at a time. */
  file: string;
  /** A second publish with the same id within this window is dropped. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Messages acked by every group are deleted after this age. Default 1 day. */
  retentionMs?: number;
  /** Every message is deleted after this age, acked or not (as JetStream's max age). Default 7 days. */
  maxAgeMs?: number;
  /** How often retention runs. Default 1 minute. */
  pruneIntervalMs?: number;
  /** Default `request` timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Injectable for tests of retention and the duplicate window. */
  clock?: () => number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The bus of the single-process mode: durable messages in a SQLite file (WAL), so that a crash loses nothing that a
 * `publish` acknowledged and no delivery whose handler did not finish; request/reply and broadcast in memory.
 * Subscribers are woken on publish, with no polling.
 */
export class EmbeddedBus implements MessageBus {
  private readonly logger = new Logger(EmbeddedBus.name);
  private readonly log: EmbeddedMessageLog;
  private readonly rpc: InProcessRpc;
  private readonly clock: () => number;
  private readonly consumers = new Map<string, EmbeddedConsumer>();
  private readonly pruneTimer: NodeJS.Timeout;
  private closed = false;

  constructor(options: EmbeddedBusOptions) {
    this.clock = options.clock ?? Date.now;
    this.log = new EmbeddedMessageLog(options.file, {
      duplicateWindowMs: options.duplicateWindowMs ?? 2 * MINUTE,
      retentionMs: options.retentionMs ?? DAY,
      maxAgeMs: options.maxAgeMs ?? 7 * DAY,
    });
    this.rpc = new InProcessRpc(options.requestTimeoutMs ?? 30_000, (error, subject) =>
      this.logger.error(`listener on ${subject} failed: ${String(error)}`),
    );
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), options.pruneIntervalMs ?? MINUTE);
    // Housekeeping alone must not keep a process alive.
    this.pruneTimer.unref();
  }

  async publish<T>(subject: string, data: T, options: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: false });
    const stored = this.log.append({ id: options.id ?? randomUUID(), subject, data, headers: options.headers ?? {} }, this.clock());
    if (!stored) return;
    for (const consumer of this.consumers.values()) if (consumer.matches(subject)) consumer.wake();
  }

  async subscribe<T>(subject: string, options: SubscribeOptions, handler: MessageHandler<T>): Promise<Subscription> {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: true });
    const key = JSON.stringify([options.group, subject]);
    let consumer = this.consumers.get(key);
    if (!consumer) {
      consumer = new EmbeddedConsumer(options.group, subject, options.startAt ?? 'first', this.log, this.clock, {
        handlerFailed: (error, message) =>
          this.logger.warn(`${options.group} failed on ${message.subject} #${message.deliveryCount}: ${describeFailure(error).message}`),
        storeFailed: (error) => this.logger.error(`${options.group} on ${subject}: ${String(error)}`),
      });
      this.consumers.set(key, consumer);
    }
    const remove = consumer.add(handler as MessageHandler<unknown>, {
      concurrency: Math.max(1, options.concurrency ?? 1),
      retryDelaysMs: options.retryDelaysMs,
    });
    return { close: async () => remove() };
  }

  request<Q, R>(subject: string, request: Q, options: { timeoutMs?: number } = {}): Promise<R> {
    return this.rpc.request<R>(subject, request, options.timeoutMs);
  }

  async respond<Q, R>(subject: string, handler: RequestHandler<Q, R>): Promise<Subscription> {
    return this.rpc.respond(subject, handler as RequestHandler<unknown, unknown>);
  }

  async broadcast<T>(subject: string, data: T): Promise<void> {
    this.rpc.broadcast(subject, data);
  }

  async listen<T>(subject: string, handler: (data: T, subject: string) => void): Promise<Subscription> {
    return this.rpc.listen(subject, handler as (data: unknown, subject: string) => void);
  }

  /** Stops every delivery and closes the file. Handlers still running are abandoned: their messages come back on the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pruneTimer);
    for (const consumer of this.consumers.values()) consumer.close();
    this.consumers.clear();
    this.rpc.close();
    this.log.close();
  }

  private prune(): void {
    try {
      this.log.prune(this.clock());
    } catch (error) {
      this.logger.error(`retention failed: ${String(error)}`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosed();
  }
}
