import {
  WebhookDeliveryNotFound,
  WebhookEndpointIsDisabled,
  type WebhookDeliveryEvent,
  type WebhookDeliveryState,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEnvelope,
} from '@hangar/contracts';
import { assertNever, type Decider } from '../decider/decider';

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  succeeded: boolean;
  statusCode: number;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}
export interface Delivery {
  deliveryId: string;
  uploadId: string | null;
  envelope: WebhookEnvelope;
  scheduledAt: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  /** Attempts made before the current round (a resend starts a new round, with the whole retry schedule). */
  attemptsBeforeRound: number;
  nextAttemptAt: string | null;
  replayId: string | null;
  replayOf: string | null;
}
export interface WebhookDeliveries {
  /** In the order they were scheduled (pipeline order within each build). */
  deliveries: Delivery[];
  /** Since when the endpoint has failed without a success in between; null while it works. */
  failingSince: string | null;
  disabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  /** Replays whose deliveries are scheduled (a redelivered request schedules nothing twice). */
  scheduledReplays: string[];
}

/** A delivery a replay re-sends: a build event's envelope under a new `webhook-id`. */
export interface ReplayedDelivery {
  deliveryId: string;
  uploadId: string | null;
  envelope: WebhookEnvelope;
  /** The build event's id (the original delivery's `webhook-id`). */
  replayOf: string;
}

export type WebhookDeliveryCommand =
  | { type: 'ScheduleDelivery'; projectId: string; deliveryId: string; uploadId: string | null; envelope: WebhookEnvelope; at: string }
  | {
      type: 'RecordAttempt';
      projectId: string;
      deliveryId: string;
      url: string;
      at: string;
      statusCode: number;
      latencyMs: number;
      responseExcerpt: string | null;
      error: string | null;
      /** What the receiver asked for in `Retry-After`, in ms. */
      retryAfterMs: number | null;
      /** Waits before each retry; past the last, the delivery is given up. */
      retryScheduleMs: readonly number[];
      /** A random number in [0, 1): spreads retries (±20 %) so endpoints are not hit in waves. */
      jitter: number;
      /** Failing without a success for this long disables the endpoint. */
      disableAfterMs: number;
    }
  | { type: 'RequestResend'; projectId: string; deliveryId: string; at: string }
  | { type: 'EnableEndpoint'; projectId: string; reason: string; at: string }
  | { type: 'RequestReplay'; projectId: string; replayId: string; since: string | null; afterPosition: string | null; at: string }
  | { type: 'ScheduleReplay'; projectId: string; replayId: string; deliveries: ReplayedDelivery[]; at: string };

export const initialWebhookDeliveries: WebhookDeliveries = {
  deliveries: [],
  failingSince: null,
  disabled: false,
  disabledAt: null,
  disabledReason: null,
  scheduledReplays: [],
};

export function decideWebhookDelivery(command: WebhookDeliveryCommand, state: WebhookDeliveries): WebhookDeliveryEvent[] {
  switch (command.type) {
    case 'ScheduleDelivery': {
      // A redelivered build event schedules nothing twice.
      if (state.deliveries.some((d) => d.deliveryId === command.deliveryId)) return [];
      const { type: _type, ...data } = command;
      return [{ type: 'WebhookDeliveryScheduled', data }];
    }
    case 'RecordAttempt': {
      const delivery = state.deliveries.find((d) => d.deliveryId === command.deliveryId);
      if (!delivery || delivery.state !== 'pending') return [];
      const succeeded = command.statusCode >= 200 && command.statusCode < 300;
      const attempt = delivery.attempts.length + 1;
      const attemptInRound = attempt - delivery.attemptsBeforeRound;
      const gone = command.statusCode === 410;
      const failingSince = state.failingSince ?? command.at;
      const failingTooLong = !succeeded && Date.parse(command.at) - Date.parse(failingSince) >= command.disableAfterMs;
      const disable = !succeeded && (gone || failingTooLong);
      const wait = command.retryScheduleMs[attemptInRound - 1];
      const nextAttemptAt =
        succeeded || disable || wait === undefined
          ? null
          : new Date(Date.parse(command.at) + Math.max(Math.round(wait * (0.8 + 0.4 * command.jitter)), command.retryAfterMs ?? 0)).toISOString();
      const attempted: WebhookDeliveryEvent = {
        type: 'WebhookDeliveryAttempted',
        data: {
          projectId: command.projectId,
          deliveryId: command.deliveryId,
          attempt,
          at: command.at,
          succeeded,
          statusCode: command.statusCode,
          latencyMs: command.latencyMs,
          responseExcerpt: command.responseExcerpt,
          error: command.error,
          nextAttemptAt,
        },
      };
      if (!disable) return [attempted];
      const reason = gone ? 'the endpoint answered 410 Gone' : `the endpoint has failed since ${failingSince}`;
      return [attempted, { type: 'WebhookEndpointDisabled', data: { projectId: command.projectId, url: command.url, reason, at: command.at } }];
    }
    case 'RequestResend': {
      // Any delivery may be sent again, also a delivered one (the receiver lost it); a pending one becomes due now.
      if (!state.deliveries.some((d) => d.deliveryId === command.deliveryId)) throw new WebhookDeliveryNotFound(command.deliveryId);
      if (state.disabled) throw new WebhookEndpointIsDisabled(command.projectId);
      const { type: _type, ...data } = command;
      return [{ type: 'WebhookResendRequested', data }];
    }
    case 'EnableEndpoint': {
      if (!state.disabled) return [];
      const { type: _type, ...data } = command;
      return [{ type: 'WebhookEndpointEnabled', data }];
    }
    case 'RequestReplay': {
      if (state.disabled) throw new WebhookEndpointIsDisabled(command.projectId);
      const { type: _type, ...data } = command;
      return [{ type: 'WebhookReplayRequested', data }];
    }
    case 'ScheduleReplay': {
      if (state.scheduledReplays.includes(command.replayId)) return [];
      return command.deliveries.map((d) => ({
        type: 'WebhookDeliveryScheduled',
        data: { projectId: command.projectId, deliveryId: d.deliveryId, uploadId: d.uploadId, envelope: d.envelope, at: command.at, replayId: command.replayId, replayOf: d.replayOf },
      }));
    }
    default:
      return assertNever(command);
  }
}

export function evolveWebhookDeliveries(state: WebhookDeliveries, event: WebhookDeliveryEvent): WebhookDeliveries {
  switch (event.type) {
    case 'WebhookDeliveryScheduled': {
      const d = event.data;
      const delivery: Delivery = {
        deliveryId: d.deliveryId,
        uploadId: d.uploadId,
        envelope: d.envelope,
        scheduledAt: d.at,
        state: 'pending',
        attempts: [],
        attemptsBeforeRound: 0,
        nextAttemptAt: d.at,
        replayId: d.replayId ?? null,
        replayOf: d.replayOf ?? null,
      };
      const scheduledReplays = d.replayId && !state.scheduledReplays.includes(d.replayId) ? [...state.scheduledReplays, d.replayId] : state.scheduledReplays;
      return { ...state, deliveries: [...state.deliveries, delivery], scheduledReplays };
    }
    case 'WebhookDeliveryAttempted': {
      const { projectId: _p, deliveryId, nextAttemptAt, ...attempt } = event.data;
      const deliveries = state.deliveries.map((d) =>
        d.deliveryId !== deliveryId
          ? d
          : { ...d, attempts: [...d.attempts, attempt], nextAttemptAt, state: attempt.succeeded ? 'delivered' : nextAttemptAt ? 'pending' : 'failed' } as Delivery,
      );
      return { ...state, deliveries, failingSince: attempt.succeeded ? null : (state.failingSince ?? attempt.at) };
    }
    case 'WebhookEndpointDisabled':
      return { ...state, disabled: true, disabledAt: event.data.at, disabledReason: event.data.reason };
    case 'WebhookResendRequested': {
      const { deliveryId, at } = event.data;
      const deliveries = state.deliveries.map((d) =>
        d.deliveryId !== deliveryId ? d : { ...d, state: 'pending', nextAttemptAt: at, attemptsBeforeRound: d.attempts.length } as Delivery,
      );
      return { ...state, deliveries };
    }
    case 'WebhookEndpointEnabled':
      // A fresh start: the failure that disabled it no longer counts towards disabling it again.
      return { ...state, disabled: false, disabledAt: null, disabledReason: null, failingSince: null };
    case 'WebhookReplayRequested':
      return state;
    default:
      return assertNever(event);
  }
}

/**
 * The deliveries to attempt at `now`: pending, due, and with no earlier pending delivery of the same build (a later
 * status is never delivered before an earlier one). Different builds do not wait for each other.
 */
export function dueDeliveries(state: WebhookDeliveries, now: Date): Delivery[] {
  if (state.disabled) return [];
  return firstPendingOfEachBuild(state).filter((d) => d.nextAttemptAt !== null && Date.parse(d.nextAttemptAt) <= now.getTime());
}

/** When the next delivery falls due (null: nothing pending). */
export function nextDeliveryDueAt(state: WebhookDeliveries): Date | null {
  if (state.disabled) return null;
  const times = firstPendingOfEachBuild(state).flatMap((d) => (d.nextAttemptAt ? [Date.parse(d.nextAttemptAt)] : []));
  return times.length ? new Date(Math.min(...times)) : null;
}

/** The delivery log as the API shows it: newest first, optionally of one state. */
export function deliveryLog(state: WebhookDeliveries, filter: { state?: WebhookDeliveryState } = {}): WebhookDeliveryView[] {
  const views = state.deliveries.map(deliveryView).reverse();
  return filter.state ? views.filter((v) => v.state === filter.state) : views;
}

export function deliveryView(d: Delivery): WebhookDeliveryView {
  return {
    id: d.deliveryId,
    event: d.envelope.event,
    uploadId: d.uploadId,
    state: deliveryState(d),
    scheduledAt: d.scheduledAt,
    attempts: d.attempts.map(({ succeeded: _s, ...attempt }) => attempt),
    nextAttemptAt: d.nextAttemptAt,
    replayId: d.replayId,
    replayOf: d.replayOf,
  };
}

function deliveryState(d: Delivery): WebhookDeliveryState {
  if (d.state === 'delivered') return 'succeeded';
  if (d.state === 'failed') return 'given-up';
  return d.attempts.length > d.attemptsBeforeRound ? 'failed' : 'pending';
}

export function endpointView(state: WebhookDeliveries): WebhookEndpointView {
  return { state: state.disabled ? 'disabled' : 'enabled', disabledAt: state.disabledAt, reason: state.disabledReason };
}

function firstPendingOfEachBuild(state: WebhookDeliveries): Delivery[] {
  const seen = new Set<string>();
  const first: Delivery[] = [];
  for (const d of state.deliveries) {
    if (d.state !== 'pending') continue;
    const key = d.uploadId ?? d.deliveryId;
    if (seen.has(key)) continue;
    seen.add(key);
    first.push(d);
  }
  return first;
}

export const webhookDeliveriesDecider: Decider<WebhookDeliveryCommand, WebhookDeliveryEvent, WebhookDeliveries> = {
  decide: decideWebhookDelivery,
  evolve: evolveWebhookDeliveries,
  initialState: initialWebhookDeliveries,
};
