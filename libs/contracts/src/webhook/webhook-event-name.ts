import { BuildStatus } from '../build/build-status';
import type { BuildEventType } from '../build/build-events';

/**
 * Streampixel's webhook event names (a build fires one on entering each status), plus Hangar's own
 * `build.redistribution_failed`: the reference has no state for a set-live or rollback that fails on the workers.
 */
export const WebhookEventName = {
  Uploaded: 'build.uploaded',
  Downloading: 'build.downloading',
  Extracting: 'build.extracting',
  Saving: 'build.saving',
  Distributing: 'build.distributing',
  Approved: 'build.approved',
  Rejected: 'build.rejected',
  RedistributionFailed: 'build.redistribution_failed',
  Test: 'webhook.test',
} as const;
export type WebhookEventName = (typeof WebhookEventName)[keyof typeof WebhookEventName];

export const BUILD_WEBHOOK_EVENTS: readonly WebhookEventName[] = [
  WebhookEventName.Uploaded,
  WebhookEventName.Downloading,
  WebhookEventName.Extracting,
  WebhookEventName.Saving,
  WebhookEventName.Distributing,
  WebhookEventName.Approved,
  WebhookEventName.Rejected,
  WebhookEventName.RedistributionFailed,
];
/** Every event a project may select; all are selected by default, as on Streampixel. */
export const ALL_WEBHOOK_EVENTS: readonly WebhookEventName[] = [...BUILD_WEBHOOK_EVENTS, WebhookEventName.Test];

export const WEBHOOK_EVENT_FOR_STATUS: Record<BuildStatus, WebhookEventName> = {
  [BuildStatus.Pending]: WebhookEventName.Uploaded,
  [BuildStatus.Downloading]: WebhookEventName.Downloading,
  [BuildStatus.Scanning]: WebhookEventName.Extracting,
  [BuildStatus.Saving]: WebhookEventName.Saving,
  [BuildStatus.Distributing]: WebhookEventName.Distributing,
  [BuildStatus.Approved]: WebhookEventName.Approved,
  [BuildStatus.Rejected]: WebhookEventName.Rejected,
};

/** Events whose webhook is their own, not the one of the status they enter (`STATUS_ENTERED_BY`). */
export const WEBHOOK_EVENT_OF: Readonly<Partial<Record<BuildEventType, WebhookEventName>>> = {
  RedistributionFailed: WebhookEventName.RedistributionFailed,
};
