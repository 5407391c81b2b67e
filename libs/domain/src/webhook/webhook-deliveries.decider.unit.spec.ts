import type { WebhookDeliveryEvent, WebhookEnvelope } from '@hangar/contracts';
import { fold } from '../decider/decider';
import { deciderSpec } from '../testing/decider-spec';
import { deliveryLog, dueDeliveries, endpointView, nextDeliveryDueAt, webhookDeliveriesDecider, type WebhookDeliveryCommand } from './webhook-deliveries.decider';

const spec = deciderSpec(webhookDeliveriesDecider);
const projectId = 'p1';
const t0 = '2026-11-22T10:00:00.000Z';
const plus = (ms: number) => new Date(Date.parse(t0) + ms).toISOString();
const envelope = (event: WebhookEnvelope['event'], uploadId: string): WebhookEnvelope =>
  ({ event, projectId, uploadId, fileUrl: null, status: null, objection: null, timestamp: t0 }) as WebhookEnvelope;
const scheduled = (deliveryId: string, uploadId: string, event: WebhookEnvelope['event'] = 'build.uploaded'): WebhookDeliveryEvent => ({
  type: 'WebhookDeliveryScheduled',
  data: { projectId, deliveryId, uploadId, envelope: envelope(event, uploadId), at: t0 },
});
const attempt = (deliveryId: string, statusCode: number, at = t0, extra: Partial<WebhookDeliveryCommand & { type: 'RecordAttempt' }> = {}): WebhookDeliveryCommand => ({
  type: 'RecordAttempt', projectId, deliveryId, url: 'https://h.example.com', at, statusCode, latencyMs: 5, responseExcerpt: null, error: null,
  retryAfterMs: null, retryScheduleMs: [1000, 5000], jitter: 0.5, disableAfterMs: 60_000, ...extra,
});
const decide = (given: WebhookDeliveryEvent[], command: WebhookDeliveryCommand) => webhookDeliveriesDecider.decide(command, fold(webhookDeliveriesDecider, given));

describe('webhook deliveries', () => {
  it('schedules a delivery once, however often its build event is redelivered', () => {
    const command: WebhookDeliveryCommand = { type: 'ScheduleDelivery', projectId, deliveryId: 'e1', uploadId: 'b1', envelope: envelope('build.uploaded', 'b1'), at: t0 };
    spec.given([]).when(command).then([scheduled('e1', 'b1')]);
    spec.given([scheduled('e1', 'b1')]).when(command).then([]);
  });

  it('keeps each build in pipeline order, without holding other builds back', () => {
    const state = fold(webhookDeliveriesDecider, [scheduled('e1', 'b1'), scheduled('e2', 'b1', 'build.downloading'), scheduled('e3', 'b2')]);
    expect(dueDeliveries(state, new Date(t0)).map((d) => d.deliveryId)).toEqual(['e1', 'e3']);
  });

  it('retries on the schedule with jitter, and honours a longer Retry-After', () => {
    const [failed] = decide([scheduled('e1', 'b1')], attempt('e1', 503));
    expect(failed).toMatchObject({ type: 'WebhookDeliveryAttempted', data: { succeeded: false, attempt: 1, nextAttemptAt: plus(1000) } });
    const [low] = decide([scheduled('e1', 'b1')], attempt('e1', 503, t0, { jitter: 0 }));
    expect(low.data).toMatchObject({ nextAttemptAt: plus(800) });
    const [asked] = decide([scheduled('e1', 'b1')], attempt('e1', 429, t0, { retryAfterMs: 30_000 }));
    expect(asked.data).toMatchObject({ nextAttemptAt: plus(30_000) });
    const state = fold(webhookDeliveriesDecider, [scheduled('e1', 'b1'), failed]);
    expect(dueDeliveries(state, new Date(t0))).toEqual([]);
    expect(nextDeliveryDueAt(state)).toEqual(new Date(plus(1000)));
  });

  it('gives a delivery up after the last retry, and lets the build move on', () => {
    const given = [scheduled('e1', 'b1'), scheduled('e2', 'b1', 'build.downloading'), ...decide([scheduled('e1', 'b1')], attempt('e1', 500))];
    const second = decide(given, attempt('e1', 500, plus(1000)));
    const third = decide([...given, ...second], attempt('e1', 500, plus(6000)));
    expect(third[0].data).toMatchObject({ attempt: 3, nextAttemptAt: null });
    const state = fold(webhookDeliveriesDecider, [...given, ...second, ...third]);
    expect(state.deliveries[0].state).toBe('failed');
    expect(dueDeliveries(state, new Date(plus(6000))).map((d) => d.deliveryId)).toEqual(['e2']);
  });

  it('disables the endpoint on 410 Gone', () => {
    const events = decide([scheduled('e1', 'b1')], attempt('e1', 410));
    expect(events.map((e) => e.type)).toEqual(['WebhookDeliveryAttempted', 'WebhookEndpointDisabled']);
    expect(dueDeliveries(fold(webhookDeliveriesDecider, [scheduled('e1', 'b1'), ...events, scheduled('e2', 'b2')]), new Date(plus(1e9)))).toEqual([]);
  });

  it('disables an endpoint that has failed for longer than allowed', () => {
    const first = decide([scheduled('e1', 'b1')], attempt('e1', 0));
    expect(first).toHaveLength(1);
    const later = decide([scheduled('e1', 'b1'), ...first], attempt('e1', 0, plus(60_000)));
    expect(later[1]).toMatchObject({ type: 'WebhookEndpointDisabled', data: { reason: `the endpoint has failed since ${t0}` } });
  });

  it('a success clears the failing streak', () => {
    const failed = decide([scheduled('e1', 'b1')], attempt('e1', 500));
    const ok = decide([scheduled('e1', 'b1'), ...failed], attempt('e1', 200, plus(1000)));
    expect(fold(webhookDeliveriesDecider, [scheduled('e1', 'b1'), ...failed, ...ok])).toMatchObject({ failingSince: null, deliveries: [{ state: 'delivered' }] });
  });

  describe('the delivery log, resend, re-enable and replay', () => {
    const givenUp = () => {
      const given = [scheduled('e1', 'b1'), ...decide([scheduled('e1', 'b1')], attempt('e1', 500))];
      const second = decide(given, attempt('e1', 500, plus(1000)));
      const third = decide([...given, ...second], attempt('e1', 500, plus(6000)));
      return [...given, ...second, ...third];
    };

    it('shows each delivery newest first with its attempts, in the states the API names', () => {
      const failedOnce = decide([scheduled('e2', 'b2')], attempt('e2', 503, plus(1)));
      const state = fold(webhookDeliveriesDecider, [...givenUp(), scheduled('e2', 'b2'), ...failedOnce, scheduled('e3', 'b3')]);
      const log = deliveryLog(state);
      expect(log.map((d) => [d.id, d.state])).toEqual([['e3', 'pending'], ['e2', 'failed'], ['e1', 'given-up']]);
      expect(log[2].attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
      expect(log[2].attempts[0]).toEqual({ attempt: 1, at: t0, statusCode: 500, latencyMs: 5, responseExcerpt: null, error: null });
      expect(deliveryLog(state, { state: 'failed' }).map((d) => d.id)).toEqual(['e2']);
    });

    it('resends a given-up delivery under the same id, with the whole retry schedule again', () => {
      const given = givenUp();
      const resend: WebhookDeliveryCommand = { type: 'RequestResend', projectId, deliveryId: 'e1', at: plus(10_000) };
      spec.given(given).when(resend).then([{ type: 'WebhookResendRequested', data: { projectId, deliveryId: 'e1', at: plus(10_000) } }]);
      const resent = [...given, ...decide(given, resend)];
      expect(dueDeliveries(fold(webhookDeliveriesDecider, resent), new Date(plus(10_000))).map((d) => d.deliveryId)).toEqual(['e1']);
      expect(deliveryLog(fold(webhookDeliveriesDecider, resent))[0].state).toBe('pending');
      const [again] = decide(resent, attempt('e1', 500, plus(10_000)));
      expect(again.data).toMatchObject({ attempt: 4, nextAttemptAt: plus(11_000) });
      const [ok] = decide(resent, attempt('e1', 200, plus(10_000)));
      expect(deliveryLog(fold(webhookDeliveriesDecider, [...resent, ok]))[0]).toMatchObject({ id: 'e1', state: 'succeeded' });
    });

    it('refuses to resend an unknown delivery, or to a disabled endpoint', () => {
      expect(() => decide([scheduled('e1', 'b1')], { type: 'RequestResend', projectId, deliveryId: 'nope', at: t0 })).toThrow('webhook delivery nope not found');
      const gone = [scheduled('e1', 'b1'), ...decide([scheduled('e1', 'b1')], attempt('e1', 410))];
      expect(() => decide(gone, { type: 'RequestResend', projectId, deliveryId: 'e1', at: t0 })).toThrow(/disabled/);
    });

    it('enables a disabled endpoint once, and sends what was scheduled meanwhile', () => {
      const gone = [scheduled('e1', 'b1'), ...decide([scheduled('e1', 'b1')], attempt('e1', 410)), scheduled('e2', 'b2')];
      expect(endpointView(fold(webhookDeliveriesDecider, gone))).toEqual({ state: 'disabled', disabledAt: t0, reason: 'the endpoint answered 410 Gone' });
      const enable: WebhookDeliveryCommand = { type: 'EnableEndpoint', projectId, reason: 'the webhook URL changed', at: plus(1) };
      spec.given(gone).when(enable).then([{ type: 'WebhookEndpointEnabled', data: { projectId, reason: 'the webhook URL changed', at: plus(1) } }]);
      const enabled = fold(webhookDeliveriesDecider, [...gone, ...decide(gone, enable)]);
      expect(endpointView(enabled)).toEqual({ state: 'enabled', disabledAt: null, reason: null });
      expect(enabled.failingSince).toBeNull();
      expect(dueDeliveries(enabled, new Date(plus(1))).map((d) => d.deliveryId)).toEqual(['e2']);
      spec.given([scheduled('e1', 'b1')]).when(enable).then([]);
    });

    it('schedules a replay as new deliveries marked as such, once', () => {
      const replay: WebhookDeliveryCommand = {
        type: 'ScheduleReplay', projectId, replayId: 'r1', at: plus(5),
        deliveries: [{ deliveryId: 'n1', uploadId: 'b1', envelope: envelope('build.uploaded', 'b1'), replayOf: 'e1' }],
      };
      const events = decide([scheduled('e1', 'b1')], replay);
      expect(events).toEqual([{ type: 'WebhookDeliveryScheduled', data: { projectId, deliveryId: 'n1', uploadId: 'b1', envelope: envelope('build.uploaded', 'b1'), at: plus(5), replayId: 'r1', replayOf: 'e1' } }]);
      expect(deliveryLog(fold(webhookDeliveriesDecider, [scheduled('e1', 'b1'), ...events]))[0]).toMatchObject({ id: 'n1', replayId: 'r1', replayOf: 'e1', state: 'pending' });
      spec.given([scheduled('e1', 'b1'), ...events]).when(replay).then([]);
    });
  });
});
