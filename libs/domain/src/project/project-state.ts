import type { WebhookEventName } from '@hangar/contracts';

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
  liveUploadId: string | null;
  createdAt: string;
  /** Builds that were live once, newest last: the history a rollback picks from. */
  liveHistory: string[];
  /** Sealed webhook signing secrets, newest first (the current one and the one it replaced). */
  webhookSecrets: { sealedSecret: string; issuedAt: string }[];
}
