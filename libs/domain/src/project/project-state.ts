import type { SanityCheck, WebhookEventName } from '@hangar/contracts';

export type Project = { exists: false } | ExistingProject;
export interface ExistingProject {
  exists: true;
  projectId: string;
  ownerId: string;
  name: string;
  region: string;
  webhookUrl: string | null;
  webhookEvents: WebhookEventName[];
  autoRelease: boolean;
  /** Null: the deployment's default applies. */
  maxBuildBytes: number | null;
  /** The workers' check of each build; null: the deployment's. */
  sanityCheck: SanityCheck | null;
  liveUploadId: string | null;
  createdAt: string;
  /** Builds that were live once, newest last: the history a rollback picks from. */
  liveHistory: string[];
  /** Sealed webhook signing secrets, newest first (the current one and the one it replaced). */
  webhookSecrets: { sealedSecret: string; issuedAt: string }[];
}
