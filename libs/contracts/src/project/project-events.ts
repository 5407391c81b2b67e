import type { WebhookEventName } from '../webhook/webhook-event-name';
import type { SanityCheck } from './sanity-check';

export const REGIONS = ['us-east-1', 'europe', 'asia-pacific'] as const;
export type KnownRegion = (typeof REGIONS)[number];

export interface ProjectCreated {
  type: 'ProjectCreated';
  data: {
    projectId: string;
    ownerId: string;
    name: string;
    region: string;
    webhookUrl: string | null;
    webhookEvents: WebhookEventName[];
    autoRelease: boolean;
    /** Largest build accepted, in bytes; absent: the deployment's `HANGAR_MAX_BUILD_BYTES`. */
    maxBuildBytes?: number;
    /** The workers' check of each build; absent: the deployment's (`HANGAR_SANITY_CHECK`), if any. */
    sanityCheck?: SanityCheck;
    at: string;
  };
}
export interface ProjectSettingsChanged {
  type: 'ProjectSettingsChanged';
  /** Only the settings that changed are present. */
  data: {
    projectId: string;
    webhookUrl?: string | null;
    webhookEvents?: WebhookEventName[];
    autoRelease?: boolean;
    name?: string;
    /** `null`: back to the deployment's default. */
    maxBuildBytes?: number | null;
    /** `null`: back to the deployment's check. */
    sanityCheck?: SanityCheck | null;
    at: string;
  };
}
export interface LiveBuildChanged {
  type: 'LiveBuildChanged';
  /** `previousUploadId` becomes Archived: one live build per project. */
  data: { projectId: string; uploadId: string; previousUploadId: string | null; at: string };
}

/**
 * A new webhook signing secret, sealed (AES-256-GCM under the deployment's `HANGAR_SECRET_KEY`): the dispatcher must
 * read it back to sign, so a hash would not do, and the event store must not hold it in the clear. The previous
 * secret still signs during the rotation window.
 */
export interface WebhookSecretIssued {
  type: 'WebhookSecretIssued';
  data: { projectId: string; sealedSecret: string; at: string };
}

export type ProjectEvent = ProjectCreated | ProjectSettingsChanged | LiveBuildChanged | WebhookSecretIssued;
export type ProjectEventType = ProjectEvent['type'];

export function projectStreamName(projectId: string): string {
  return `project-${projectId}`;
}
