import type { SanityCheck, WebhookEventName } from '@hangar/contracts';

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
      sanityCheck?: SanityCheck;
      /** A fresh sealed secret, used only when a webhook URL is set. */
      sealedWebhookSecret?: string;
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
      /** `null`: back to the deployment's check. */
      sanityCheck?: SanityCheck | null;
      /** A fresh sealed secret, used only when this sets a webhook URL and the project has no secret yet. */
      sealedWebhookSecret?: string;
      at: string;
    }
  /** Make an approved build the live one; the previous live build becomes Archived. */
  | { type: 'SetLiveBuild'; uploadId: string; at: string }
  /** Replace the webhook signing secret; the previous one keeps signing during the rotation window. */
  | { type: 'RotateWebhookSecret'; sealedWebhookSecret: string; at: string };
