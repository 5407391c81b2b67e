export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

export interface BusMessage<T = unknown> {
  subject: string;
  /** The de-duplication id given at publish (or one the bus assigned). */
  id: string;
  data: T;
  headers: Record<string, string>;
  /** 1 on first delivery, more on redelivery. */
  deliveryCount: number;
}

export interface PublishOptions {
  /** De-duplication id: a second publish with the same id (within the bus's duplicate window) is dropped. */
  id?: string;
  headers?: Record<string, string>;
}

export interface SubscribeOptions {
  /**
   * Durable consumer name. Subscribers sharing a group compete (each message goes to one of them); each group gets
   * every message. The consumer survives restarts: messages published while nobody listened are delivered later.
   */
  group: string;
  /** How many messages may be in flight at once for this group in this process. Default 1 (in order). */
  concurrency?: number;
  /** Delay before redelivering a message whose handler failed, by attempt (ms). The last entry repeats. */
  retryDelaysMs?: number[];
  /**
   * Where the group's consumer starts when this call creates it: `first` (default) at the oldest retained message,
   * `new` at the next one published (nothing from before it existed). An existing consumer goes on where it is.
   */
  startAt?: 'first' | 'new';
}

export interface Subscription {
  close(): Promise<void>;
}

export type MessageHandler<T = unknown> = (message: BusMessage<T>) => Promise<void>;
export type RequestHandler<Q = unknown, R = unknown> = (request: Q) => Promise<R>;

/**
 * The message bus port. Adapters: embedded (in-process, durable in SQLite) and NATS JetStream.
 * Every adapter passes `busContract` (testing/bus.contract.ts).
 *
 * Subjects are relative (`events.build.BuildQueued`); the adapter scopes them under its prefix. Wildcards follow
 * NATS: `*` one token, `>` the rest.
 */
export interface MessageBus {
  /** Durable publish: when it resolves, the message is stored and will reach every group subscribed to it. */
  publish<T>(subject: string, data: T, options?: PublishOptions): Promise<void>;
  /**
   * Durable, competing subscription. A handler that resolves acks the message; one that rejects (or a process
   * that dies mid-handler) gets it redelivered after a delay.
   */
  subscribe<T>(subject: string, options: SubscribeOptions, handler: MessageHandler<T>): Promise<Subscription>;
  /** Request/reply to one of the responders (queue group) on `subject`. Rejects on timeout or a responder's error. */
  request<Q, R>(subject: string, request: Q, options?: { timeoutMs?: number }): Promise<R>;
  respond<Q, R>(subject: string, handler: RequestHandler<Q, R>): Promise<Subscription>;
  /** Fire-and-forget fan-out to every current listener (heartbeats, progress). Not stored. */
  broadcast<T>(subject: string, data: T): Promise<void>;
  listen<T>(subject: string, handler: (data: T, subject: string) => void): Promise<Subscription>;
  close(): Promise<void>;
}

/** Thrown to a requester when the responder failed; carries the responder's error code and message. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly errorName: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}
