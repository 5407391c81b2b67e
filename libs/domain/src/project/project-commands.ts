import type { WebhookEventName } from '@hangar/contracts';

export type ProjectCommand =
  | {
      type: 'CreateProject';
      projectId: string;
      ownerId: string;
      name: string;
      region: string;
      webhookUrl: string | null;
      webhookEvents: WebhookEventName[];
      autoRelease: boolean;
      maxBuildBytes?: number;
      at: string;
    }
  | {
      type: 'ChangeProjectSettings';
      name?: string;
      webhookUrl?: string | null;
      webhookEvents?: WebhookEventName[];
      autoRelease?: boolean;
      /** `null`: back to the deployment's default. */
      maxBuildBytes?: number | null;
      at: string;
    }
  /** Make an approved build the live one; the previous live build becomes Archived. */
  | { type: 'SetLiveBuild'; uploadId: string; at: string };
