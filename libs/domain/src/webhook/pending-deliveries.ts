import type { WebhookDeliveryEvent } from '@hangar/contracts';
import { evolveWebhookDeliveries, type WebhookDeliveries } from './webhook-deliveries.decider';

/**
 * What the scheduler needs of a project's deliveries: the pending ones (with their attempts, for the retry schedule)
 * and the endpoint's state. Delivered and given-up deliveries are dropped, so the state stays as small as the work
 * in flight however long the project's history grows; the delivery log still folds the whole stream.
 */
export function pendingOnly(state: WebhookDeliveries): WebhookDeliveries {
  return { ...state, deliveries: state.deliveries.filter((d) => d.state === 'pending'), scheduledReplays: [] };
}

/**
 * Folds one event into a pending-only state; null when the event names a delivery that was dropped (a resend of a
 * delivered one): only the whole stream can tell what it was, so the caller folds that instead.
 */
export function evolvePendingDeliveries(state: WebhookDeliveries, event: WebhookDeliveryEvent): WebhookDeliveries | null {
  if (event.type === 'WebhookResendRequested' && !state.deliveries.some((d) => d.deliveryId === event.data.deliveryId)) return null;
  return pendingOnly(evolveWebhookDeliveries(state, event));
}
