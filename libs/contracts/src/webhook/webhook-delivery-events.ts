import type { WebhookEnvelope } from './webhook-envelope';

/** A webhook to deliver (one per build event a project selected); `deliveryId` is the build event's id. */
export interface WebhookDeliveryScheduled {
  type: 'WebhookDeliveryScheduled';
  data: { projectId: string; deliveryId: string; uploadId: string | null; envelope: WebhookEnvelope; at: string };
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

export type WebhookDeliveryEvent = WebhookDeliveryScheduled | WebhookDeliveryAttempted | WebhookEndpointDisabled;

/** Each project's deliveries are a stream of their own: the delivery log, and what a restarted dispatcher resumes. */
export function webhookDeliveriesStreamName(projectId: string): string {
  return `webhooks-${projectId}`;
}
