import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { MessageBus } from '../port/message-bus.port';
import { BusRecord } from './bus-record';

export interface BusClientProxyOptions {
  /** `send` timeout; the bus's default otherwise. */
  timeoutMs?: number;
}

/**
 * Nest client over the MessageBus port: `emit(subject, data)` publishes durably (resolving once stored), `send`
 * makes a request to one responder. The bus belongs to the caller: `close()` leaves it open.
 */
export class BusClientProxy extends ClientProxy {
  constructor(
    private readonly bus: MessageBus,
    private readonly options: BusClientProxyOptions = {},
  ) {
    super();
    // Nest's ClientProxy leaves these unset; `send`/`emit` would fail without them.
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  async connect(): Promise<MessageBus> {
    return this.bus;
  }

  async close(): Promise<void> {
    // The bus is shared and owned by whoever created it.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const { pattern, data } = this.serializer.serialize(packet) as ReadPacket;
    let unsubscribed = false;
    this.bus.request(this.normalizePattern(pattern), data, { timeoutMs: this.options.timeoutMs }).then(
      (response) => unsubscribed || callback({ response, isDisposed: true }),
      (err: unknown) => unsubscribed || callback({ err, isDisposed: true }),
    );
    return () => {
      unsubscribed = true;
    };
  }

  protected async dispatchEvent<T = undefined>(packet: ReadPacket): Promise<T> {
    const { pattern, data } = this.serializer.serialize(packet) as ReadPacket;
    const record = data instanceof BusRecord ? data : new BusRecord(data);
    await this.bus.publish(this.normalizePattern(pattern), record.data, record.options);
    return undefined as T;
  }
}
