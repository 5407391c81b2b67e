import type { BusMessage, MessageHandler } from '../../port/message-bus.port';
import { retryDelayFor } from '../../retry/retry-delay';
import { subjectMatches } from '../../subject/subject-pattern';
import type { EmbeddedMessageLog, LoggedMessage } from './embedded-message-log';

/** Where a consumer tells of failures it recovers from (a handler's rejection, a store error while pumping). */
export interface ConsumerReport {
  handlerFailed(error: unknown, message: BusMessage): void;
  storeFailed(error: unknown): void;
}

interface Subscriber {
  handler: MessageHandler<unknown>;
  concurrency: number;
  retryDelaysMs?: number[];
  running: number;
}

/**
 * One durable consumer (group + subject pattern) of an EmbeddedBus and the subscribers of this process that share
 * it. `pump` hands due retries first, then new messages, to subscribers with a free slot; unacked deliveries (in
 * flight or waiting for their retry) are bounded by the subscribers' total concurrency, like JetStream's max ack
 * pending: with concurrency 1 a failed message holds back the ones after it, so the group sees publish order.
 */
export class EmbeddedConsumer {
  private readonly subscribers: Subscriber[] = [];
  private nextSubscriber = 0;
  private retryTimer?: NodeJS.Timeout;
  private retryTimerAt = Infinity;
  private pumping = false;
  private pumpAgain = false;
  private closed = false;

  constructor(
    readonly group: string,
    readonly subject: string,
    startAt: 'first' | 'new',
    private readonly log: EmbeddedMessageLog,
    private readonly clock: () => number,
    private readonly report: ConsumerReport,
  ) {
    log.ensureConsumer(group, subject, startAt);
  }

  matches(subject: string): boolean {
    return subjectMatches(this.subject, subject);
  }

  get isIdle(): boolean {
    return this.subscribers.length === 0;
  }

  add(handler: MessageHandler<unknown>, options: { concurrency: number; retryDelaysMs?: number[] }): () => void {
    const subscriber: Subscriber = { handler, ...options, running: 0 };
    this.subscribers.push(subscriber);
    this.wake();
    return () => {
      const index = this.subscribers.indexOf(subscriber);
      if (index >= 0) this.subscribers.splice(index, 1);
      if (this.isIdle) this.clearRetryTimer();
    };
  }

  /** Deliver what is due, soon but not inside the caller's stack (publish must not run handlers synchronously). */
  wake(): void {
    queueMicrotask(() => this.pump());
  }

  close(): void {
    this.closed = true;
    this.subscribers.length = 0;
    this.clearRetryTimer();
  }

  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.deliverWhatIsDue();
      } while (this.pumpAgain && !this.closed);
      if (!this.closed) this.scheduleNextRetry();
    } catch (error) {
      // The next publish, completion or retry pumps again; a throw here would only be an unhandled rejection.
      this.report.storeFailed(error);
    } finally {
      this.pumping = false;
    }
  }

  private deliverWhatIsDue(): void {
    for (;;) {
      const subscriber = this.freeSubscriber();
      if (!subscriber) return;
      const message =
        this.log.claimDueRetry(this.group, this.subject, this.clock()) ??
        (this.log.unackedCount(this.group, this.subject) < this.maxUnacked()
          ? this.log.claimNext(this.group, this.subject, (subject) => this.matches(subject))
          : undefined);
      if (!message) return;
      this.deliver(subscriber, message);
    }
  }

  private maxUnacked(): number {
    return this.subscribers.reduce((sum, s) => sum + s.concurrency, 0);
  }

  /** Round robin over the subscribers that have a free slot. */
  private freeSubscriber(): Subscriber | undefined {
    for (let i = 0; i < this.subscribers.length; i++) {
      const candidate = this.subscribers[(this.nextSubscriber + i) % this.subscribers.length];
      if (candidate.running < candidate.concurrency) {
        this.nextSubscriber = (this.nextSubscriber + i + 1) % this.subscribers.length;
        return candidate;
      }
    }
    return undefined;
  }

  private deliver(subscriber: Subscriber, logged: LoggedMessage): void {
    subscriber.running++;
    const message: BusMessage = {
      subject: logged.subject,
      id: logged.id,
      data: logged.data,
      headers: logged.headers,
      deliveryCount: logged.deliveryCount,
    };
    Promise.resolve()
      .then(() => subscriber.handler(message))
      .then(
        () => this.settle(() => this.log.ack(this.group, this.subject, logged.seq)),
        (error: unknown) => {
          this.report.handlerFailed(error, message);
          const retryAt = this.clock() + retryDelayFor(logged.deliveryCount, subscriber.retryDelaysMs);
          this.settle(() => this.log.nak(this.group, this.subject, logged.seq, retryAt));
        },
      )
      .finally(() => {
        subscriber.running--;
        this.pump();
      });
  }

  /** A handler that outlives the bus (closed while it hung) must not touch the closed file: its delivery stays in flight. */
  private settle(write: () => void): void {
    if (this.closed) return;
    try {
      write();
    } catch (error) {
      // The delivery stays recorded in flight: the next open delivers it again.
      this.report.storeFailed(error);
    }
  }

  private scheduleNextRetry(): void {
    const at = this.log.nextRetryAt(this.group, this.subject);
    if (at === undefined || this.isIdle) return this.clearRetryTimer();
    // A retry already due while every subscriber is busy waits for a completion, which pumps again. But one that fell
    // due since deliverWhatIsDue looked (a slow event loop) with a subscriber free needs a pump of its own.
    const due = at <= this.clock();
    if ((due && !this.subscribers.some((s) => s.running < s.concurrency)) || at >= this.retryTimerAt) return;
    this.clearRetryTimer();
    this.retryTimerAt = at;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        this.retryTimerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - this.clock()),
    );
  }

  private clearRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryTimerAt = Infinity;
  }
}
