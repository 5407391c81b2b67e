import { CustomTransportStrategy, Server, type MessageHandler as NestMessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { InvalidSubject } from '../port/bus.errors';
import type { BusMessage, MessageBus, Subscription } from '../port/message-bus.port';
import { BusContext, BusRequestContext } from './bus-context';

/** Marks handlers and the transport for Nest: `@EventPattern(subject, BUS_TRANSPORT)` binds to this transport only. */
export const BUS_TRANSPORT = Symbol('HangarBus');

export interface BusTransportOptions {
  bus: MessageBus;
  /** The durable group of this service: each service gets every event, its replicas share them. */
  group: string;
  /** Default in-flight messages per event handler. Default 1 (in order). */
  concurrency?: number;
  /** Default retry delays of event handlers (see SubscribeOptions). */
  retryDelaysMs?: number[];
}

/** Per handler, in the decorator's extras: `@EventPattern(subject, { concurrency: 4 })`. */
export interface BusHandlerExtras {
  group?: string;
  concurrency?: number;
  retryDelaysMs?: number[];
}

/**
 * Nest microservice transport over the MessageBus port, so that services are plain Nest controllers:
 * `@EventPattern(subject)` becomes a durable subscription of the service's group (resolve acks, throw redelivers),
 * `@MessagePattern(subject)` a responder. The bus belongs to the caller: `close()` ends the subscriptions only.
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  override transportId = BUS_TRANSPORT;
  private subscriptions: Subscription[] = [];

  constructor(private readonly options: BusTransportOptions) {
    super();
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        const subject = this.subjectOf(pattern);
        this.subscriptions.push(
          handler.isEventHandler ? await this.subscribeEvents(subject, handler) : await this.respondTo(subject, handler),
        );
      }
      this._status$.next('connected');
      callback();
    } catch (error) {
      await this.close();
      callback(error);
    }
  }

  async close(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('BusTransport emits no events: watch the bus adapter instead');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }

  private subscribeEvents(subject: string, handler: NestMessageHandler): Promise<Subscription> {
    const extras = (handler.extras ?? {}) as BusHandlerExtras;
    return this.options.bus.subscribe(
      subject,
      {
        group: extras.group ?? this.options.group,
        concurrency: extras.concurrency ?? this.options.concurrency ?? 1,
        retryDelaysMs: extras.retryDelaysMs ?? this.options.retryDelaysMs,
      },
      (message) => this.runEventHandler(handler, message),
    );
  }

  private respondTo(subject: string, handler: NestMessageHandler): Promise<Subscription> {
    return this.options.bus.respond(subject, (request) => this.runHandler(handler, request, new BusRequestContext([subject])));
  }

  /** Resolves when the handler (and every handler chained on the same subject) is done; rejects so the bus redelivers. */
  private runEventHandler(handler: NestMessageHandler, message: BusMessage): Promise<void> {
    return this.runHandler(handler, message.data, new BusContext([message])).then(() => undefined);
  }

  /** A handler may return a value, a Promise or an Observable; its last value is the answer, its error the failure. */
  private runHandler(handler: NestMessageHandler, data: unknown, context: BusContext | BusRequestContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.onProcessingStartHook(this.transportId, context, async () => {
        try {
          const result = this.transformToObservable(await handler(data, context));
          resolve(await lastValueFrom(result, { defaultValue: undefined }));
        } catch (error) {
          reject(error);
        } finally {
          this.onProcessingEndHook?.(this.transportId, context);
        }
      });
    });
  }

  /** Nest keys handlers by their normalised pattern: on the bus, a pattern is a plain subject, never an object. */
  private subjectOf(pattern: string): string {
    if (pattern.startsWith('{')) throw new InvalidSubject(pattern, 'bus patterns are plain string subjects');
    return pattern;
  }
}
