/**
 * One class per failure, each with a stable `code`; the HTTP edge maps a code to a status once
 * (see the ingest service's exception filter).
 */
export abstract class HangarError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFound extends HangarError {
  readonly code = 'NOT_FOUND';
}
export class ProjectNotFound extends HangarError {
  readonly code = 'PROJECT_NOT_FOUND';
  constructor(projectId: string) {
    super(`project ${projectId} not found`);
  }
}
export class BuildNotFound extends HangarError {
  readonly code = 'BUILD_NOT_FOUND';
  constructor(uploadId: string) {
    super(`build ${uploadId} not found`);
  }
}
export class Unauthorized extends HangarError {
  readonly code = 'UNAUTHORIZED';
}
export class Forbidden extends HangarError {
  readonly code = 'FORBIDDEN';
}
export class InvalidInput extends HangarError {
  readonly code = 'INVALID_INPUT';
}
/** A command that does not apply to the aggregate's current state (e.g. distributing a rejected build). */
export class IllegalTransition extends HangarError {
  readonly code = 'ILLEGAL_TRANSITION';
}
/** Deleting the build a project serves would leave it with nothing live: another build must go live first. */
export class BuildIsLive extends HangarError {
  readonly code = 'BUILD_IS_LIVE';
  constructor(uploadId: string) {
    super(`build ${uploadId} is live: set another build live first`);
  }
}
/** No delivery with this `webhook-id` in the project's delivery log. */
export class WebhookDeliveryNotFound extends HangarError {
  readonly code = 'WEBHOOK_DELIVERY_NOT_FOUND';
  constructor(deliveryId: string) {
    super(`webhook delivery ${deliveryId} not found`);
  }
}
/** Nothing is sent to a disabled endpoint: enable it (or change the URL) first. */
export class WebhookEndpointIsDisabled extends HangarError {
  readonly code = 'WEBHOOK_ENDPOINT_DISABLED';
  constructor(projectId: string) {
    super(`the webhook endpoint of project ${projectId} is disabled: enable it first`);
  }
}

/** Optimistic concurrency: the stream moved on since it was read. Command handlers retry on it. */
export class WrongExpectedVersion extends HangarError {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual}`);
  }
}
