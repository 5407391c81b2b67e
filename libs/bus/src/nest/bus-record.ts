import type { PublishOptions } from '../port/message-bus.port';

/**
 * What `BusClientProxy.emit` publishes when the event needs a de-duplication id or headers
 * (`client.emit(subject, new BusRecord(event, { id: event.id }))`); plain data gets a random id.
 */
export class BusRecord<T = unknown> {
  constructor(
    readonly data: T,
    readonly options: PublishOptions = {},
  ) {}
}
