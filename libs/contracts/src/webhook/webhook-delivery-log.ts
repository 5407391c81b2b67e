import type { WebhookEventName } from './webhook-event-name';

/**
 * `pending`: waiting for its first attempt (or for the one a resend asked for); `failed`: the last attempt failed and a
 * retry is scheduled; `succeeded`; `given-up`: no more attempts (the retry schedule ran out, or the endpoint is disabled).
 */
export type WebhookDeliveryState = 'pending' | 'succeeded' | 'failed' | 'given-up';

export interface WebhookDeliveryAttemptView {
  attempt: number;
  at: string;
  /** 0 when no response came. */
  statusCode: number;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** One entry of a project's delivery log (`GET /v1/projects/:id/webhook-deliveries`). */
export interface WebhookDeliveryView {
  /** The `webhook-id` header: the same on every attempt and resend. */
  id: string;
  event: WebhookEventName;
  uploadId: string | null;
  state: WebhookDeliveryState;
  scheduledAt: string;
  attempts: WebhookDeliveryAttemptView[];
  nextAttemptAt: string | null;
  /** Set for a replay's deliveries: the replay, and the id of the build event (the original delivery) re-sent. */
  replayId: string | null;
  replayOf: string | null;
}

/** Whether the project's webhook URL is sent to; `disabled` after a 410 or a long failure, until enabled again. */
export interface WebhookEndpointView {
  state: 'enabled' | 'disabled';
  disabledAt: string | null;
  reason: string | null;
}

export interface WebhookDeliveriesQuery {
  projectId: string;
  page?: number;
  limit?: number;
  state?: WebhookDeliveryState;
}
