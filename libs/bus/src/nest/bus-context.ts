import { BaseRpcContext } from '@nestjs/microservices';
import type { BusMessage } from '../port/message-bus.port';

/** The Nest context of a bus event handler (`@Ctx() context: BusContext`): the whole message, not just its data. */
export class BusContext extends BaseRpcContext<[BusMessage]> {
  getMessage<T = unknown>(): BusMessage<T> {
    return this.args[0] as BusMessage<T>;
  }

  getSubject(): string {
    return this.args[0].subject;
  }

  getHeaders(): Record<string, string> {
    return this.args[0].headers;
  }
}

/** The Nest context of a bus request handler: requests carry no id or headers, only their subject. */
export class BusRequestContext extends BaseRpcContext<[string]> {
  getSubject(): string {
    return this.args[0];
  }
}
