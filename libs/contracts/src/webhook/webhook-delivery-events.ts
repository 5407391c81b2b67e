import type { WebhookEnvelope } from './webhook-envelope';

/**
 * A webhook to deliver (one per build event a project selected); `deliveryId` is the build event's id. A replay's
 * deliveries carry `replayId` and `replayOf` (the build event re-sent) and get ids of their own; older events lack both.
 */
export interface WebhookDeliveryScheduled {
  type: 'WebhookDeliveryScheduled';
  data: {
    projectId: string;
    deliveryId: string;
    uploadId: string | null;
    envelope: WebhookEnvelope;
    at: string;
    replayId?: string;
    replayOf?: string;
  };
}
/** One POST and its outcome; `nextAttemptAt` null: no retry (delivered, given up, or the endpoint is disabled). */
export interface WebhookDeliveryAttempted {
  type: 'WebhookDeliveryAttempted';
  data: {
    projectId: string;
    deliveryId: string;
    attempt: number;
    at: string;
    succeeded: boolean;
    /** 0 when no response came. */
    statusCode: number;
    latencyMs: number;
    responseExcerpt: string | null;
    error: string | null;
    nextAttemptAt: string | null;
  };
}
/** The endpoint answered 410 Gone, or failed without a success for too long: nothing more is sent to it. */
export interface WebhookEndpointDisabled {
  type: 'WebhookEndpointDisabled';
  data: { projectId: string; url: string; reason: string; at: string };
}

/** The owner asked for one more round of attempts of a delivery (the same `webhook-id`), from now. */
export interface WebhookResendRequested {
  type: 'WebhookResendRequested';
  data: { projectId: string; deliveryId: string; at: string };
}
/** A disabled endpoint is sent to again: its URL changed, or the owner enabled it. */
export interface WebhookEndpointEnabled {
  type: 'WebhookEndpointEnabled';
  data: { projectId: string; reason: string; at: string };
}
/**
 * The owner asked to re-send the project's build events since a time (`since`, ISO) or after a store position
 * (`afterPosition`, decimal); the dispatcher finds them and schedules them as new deliveries of this replay.
 */
export interface WebhookReplayRequested {
  type: 'WebhookReplayRequested';
  data: { projectId: string; replayId: string; since: string | null; afterPosition: string | null; at: string };
}

export type WebhookDeliveryEvent =
  | WebhookDeliveryScheduled
  | WebhookDeliveryAttempted
  | WebhookEndpointDisabled
  | WebhookResendRequested
  | WebhookEndpointEnabled
  | WebhookReplayRequested;

/** Each project's deliveries are a stream of their own: the delivery log, and what a restarted dispatcher resumes. */
export function webhookDeliveriesStreamName(projectId: string): string {
  return `webhooks-${projectId}`;
}
