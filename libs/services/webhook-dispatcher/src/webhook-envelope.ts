import {
  STATUS_ENTERED_BY,
  WEBHOOK_EVENT_FOR_STATUS,
  WEBHOOK_EVENT_OF,
  WebhookEventName,
  type BuildEventType,
  type BuildRejected,
  type RedistributionFailed,
  type PublishedEvent,
  type WebhookEnvelope,
} from '@hangar/contracts';

/** The Streampixel envelope for a build event, or null when the event enters no status (and fires no webhook). */
export function envelopeFor(event: PublishedEvent, projectId: string, fileUrl: string | null): WebhookEnvelope | null {
  const status = STATUS_ENTERED_BY[event.type as BuildEventType];
  if (!status) return null;
  const data = event.data as { uploadId: string; at?: string };
  return {
    event: WEBHOOK_EVENT_OF[event.type as BuildEventType] ?? WEBHOOK_EVENT_FOR_STATUS[status],
    projectId,
    uploadId: data.uploadId,
    fileUrl,
    status,
    // A failed redistribution says why, as a rejection does (the build itself stays Approved).
    objection: event.type === 'BuildRejected' || event.type === 'RedistributionFailed' ? (event.data as (BuildRejected | RedistributionFailed)['data']).objection : null,
    // The time of the fact, not of the delivery: a retried webhook says when the build changed.
    timestamp: data.at ?? event.recordedAt,
  };
}

export function testEnvelope(projectId: string, at: string): WebhookEnvelope {
  return { event: WebhookEventName.Test, projectId, uploadId: null, fileUrl: null, status: null, objection: null, timestamp: at };
}
