import { HangarError } from '@hangar/contracts';

/** The bus was closed: no publish, subscribe or request goes through it any more. */
export class BusClosed extends HangarError {
  readonly code = 'BUS_CLOSED';
  constructor() {
    super('the message bus is closed');
  }
}

/** A request found nobody answering on its subject (failing fast beats waiting for the timeout). */
export class NoResponder extends HangarError {
  readonly code = 'NO_RESPONDER';
  constructor(readonly subject: string) {
    super(`no responder for request subject ${subject}`);
  }
}

/** A responder was there but did not answer in time. */
export class RequestTimedOut extends HangarError {
  readonly code = 'REQUEST_TIMED_OUT';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`request on ${subject} got no answer within ${timeoutMs} ms`);
  }
}

/** A subject that NATS would refuse or misread (empty tokens, wildcards inside a token, spaces). */
export class InvalidSubject extends HangarError {
  readonly code = 'INVALID_SUBJECT';
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`invalid subject "${subject}": ${reason}`);
  }
}
