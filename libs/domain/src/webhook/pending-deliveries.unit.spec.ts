import type { WebhookDeliveryEvent, WebhookEnvelope } from '@hangar/contracts';
import { fold } from '../decider/decider';
import { evolvePendingDeliveries, pendingOnly } from './pending-deliveries';
import { dueDeliveries, initialWebhookDeliveries, nextDeliveryDueAt, webhookDeliveriesDecider, type WebhookDeliveries } from './webhook-deliveries.decider';

const projectId = 'p1';
const t0 = '2026-11-22T10:00:00.000Z';
const plus = (ms: number) => new Date(Date.parse(t0) + ms).toISOString();
const envelope = (uploadId: string): WebhookEnvelope =>
  ({ event: 'build.uploaded', projectId, uploadId, fileUrl: null, status: null, objection: null, timestamp: t0 }) as WebhookEnvelope;
const scheduled = (deliveryId: string, uploadId: string): WebhookDeliveryEvent => ({
  type: 'WebhookDeliveryScheduled',
  data: { projectId, deliveryId, uploadId, envelope: envelope(uploadId), at: t0 },
});
const attempted = (deliveryId: string, attempt: number, succeeded: boolean, nextAttemptAt: string | null): WebhookDeliveryEvent => ({
  type: 'WebhookDeliveryAttempted',
  data: { projectId, deliveryId, attempt, at: t0, succeeded, statusCode: succeeded ? 200 : 500, latencyMs: 1, responseExcerpt: null, error: null, nextAttemptAt },
});
const foldPending = (events: WebhookDeliveryEvent[]): WebhookDeliveries | null =>
  events.reduce<WebhookDeliveries | null>((state, event) => (state === null ? null : evolvePendingDeliveries(state, event)), initialWebhookDeliveries);

describe('pending deliveries (the scheduler\'s compact state)', () => {
  const history = [
    scheduled('e1', 'b1'),
    scheduled('e2', 'b1'),
    scheduled('e3', 'b2'),
    attempted('e1', 1, true, null),
    attempted('e3', 1, false, plus(1000)),
    scheduled('e4', 'b3'),
    attempted('e4', 1, false, null),
  ];

  it('keeps only what is pending, and schedules exactly as the whole history does', () => {
    const whole = fold(webhookDeliveriesDecider, history);
    const compact = foldPending(history)!;
    expect(compact.deliveries.map((d) => d.deliveryId)).toEqual(['e2', 'e3']);
    expect(compact).toEqual(pendingOnly(whole));
    for (const at of [t0, plus(1000)]) expect(dueDeliveries(compact, new Date(at))).toEqual(dueDeliveries(whole, new Date(at)));
    expect(nextDeliveryDueAt(compact)).toEqual(nextDeliveryDueAt(whole));
  });

  it('asks for the whole stream when a dropped delivery is resent', () => {
    const resend: WebhookDeliveryEvent = { type: 'WebhookResendRequested', data: { projectId, deliveryId: 'e1', at: plus(5000) } };
    expect(foldPending([...history, resend])).toBeNull();
    const pendingResend: WebhookDeliveryEvent = { type: 'WebhookResendRequested', data: { projectId, deliveryId: 'e3', at: plus(5000) } };
    expect(foldPending([...history, pendingResend])).toEqual(pendingOnly(fold(webhookDeliveriesDecider, [...history, pendingResend])));
  });
});
