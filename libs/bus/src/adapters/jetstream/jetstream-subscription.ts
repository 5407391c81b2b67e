import type { Logger } from '@nestjs/common';
import type { Consumer, ConsumerMessages, JsMsg } from 'nats';
import type { BusMessage, MessageHandler, Subscription } from '../../port/message-bus.port';
import { describeFailure } from '../../failure/remote-failure';
import { retryDelayFor } from '../../retry/retry-delay';
import { decodeJson } from './rpc-envelope';
import type { JetStreamNames } from './jetstream-names';

export interface ConsumeLoopOptions {
  concurrency: number;
  retryDelaysMs?: number[];
  /** How often a running handler tells the server it is still working (must be well under ack_wait). */
  workingIntervalMs: number;
}

const MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * Pulls from one durable consumer and runs the handler on at most `concurrency` messages at a time: resolve acks,
 * reject naks with the retry delay. A long handler (a multi-GB download) keeps its message with `working()`; a
 * process that dies stops sending those and the server redelivers when ack_wait expires.
 */
export class JetStreamSubscription implements Subscription {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly workingTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private abandoned = false;
  /** Resolves on close, so a loop waiting for a free slot (behind a hung handler) does not hold close() up. */
  private readonly stopping: Promise<void>;
  private stop!: () => void;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly consumerName: string,
    private readonly messages: ConsumerMessages,
    private readonly handler: MessageHandler<unknown>,
    private readonly names: JetStreamNames,
    private readonly options: ConsumeLoopOptions,
    private readonly logger: Logger,
  ) {
    this.stopping = new Promise((resolve) => (this.stop = resolve));
    this.loop = this.run().catch((error: unknown) => {
      if (!this.stopped) this.logger.error(`consumer ${consumerName} stopped: ${String(error)}`);
    });
  }

  static async start(
    consumer: Consumer,
    handler: MessageHandler<unknown>,
    names: JetStreamNames,
    options: ConsumeLoopOptions,
    logger: Logger,
  ): Promise<JetStreamSubscription> {
    const messages = await consumer.consume({ max_messages: options.concurrency });
    const { name } = await consumer.info(true);
    return new JetStreamSubscription(name, messages, handler, names, options, logger);
  }

  /** Stops pulling; handlers already running still ack or nak when they finish. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stop();
    await this.messages.close().catch(() => undefined);
    await this.loop;
  }

  /**
   * As a crash would: stop pulling and stop keeping running messages alive, and let whatever those handlers do later
   * go unsaid, so that the server redelivers them after ack_wait.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    for (const timer of this.workingTimers) clearInterval(timer);
    this.workingTimers.clear();
    await this.close();
  }

  private async run(): Promise<void> {
    for await (const msg of this.messages) {
      while (this.inFlight.size >= this.options.concurrency && !this.stopped) await Promise.race([...this.inFlight, this.stopping]);
      if (this.stopped) {
        // Pulled but never started, even when abandoning: hand it back now rather than after ack_wait.
        this.answer(() => msg.nak());
        continue;
      }
      const handling = this.handle(msg).finally(() => this.inFlight.delete(handling));
      this.inFlight.add(handling);
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const timer = setInterval(() => this.settle(() => msg.working()), this.options.workingIntervalMs);
    this.workingTimers.add(timer);
    const message = this.toBusMessage(msg);
    try {
      await this.handler(message);
      this.settle(() => msg.ack());
    } catch (error) {
      this.logger.warn(`${msg.info.consumer} failed on ${message.subject} #${message.deliveryCount}: ${describeFailure(error).message}`);
      this.settle(() => msg.nak(retryDelayFor(message.deliveryCount, this.options.retryDelaysMs)));
    } finally {
      clearInterval(timer);
      this.workingTimers.delete(timer);
    }
  }

  /** An abandoned subscription (its bus closed) stays silent about what its handlers did, as a crashed one would. */
  private settle(reply: () => void): void {
    if (!this.abandoned) this.answer(reply);
  }

  /** Acks go out on a connection the caller owns and may have closed: a lost ack only means a redelivery. */
  private answer(reply: () => void): void {
    try {
      reply();
    } catch (error) {
      this.logger.warn(`could not answer JetStream: ${String(error)}`);
    }
  }

  private toBusMessage(msg: JsMsg): BusMessage {
    const headers: Record<string, string> = {};
    let id = '';
    for (const key of msg.headers?.keys() ?? []) {
      if (key === MSG_ID_HEADER) id = msg.headers!.get(key);
      else if (!key.startsWith('Nats-')) headers[key] = msg.headers!.get(key);
    }
    return {
      subject: this.names.relative(msg.subject, 'bus'),
      id: id || `${msg.info.stream}:${msg.seq}`,
      data: decodeJson(msg.data),
      headers,
      deliveryCount: msg.info.deliveryCount,
    };
  }
}
