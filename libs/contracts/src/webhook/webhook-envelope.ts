import type { BuildStatus } from '../build/build-status';
import type { WebhookEventName } from './webhook-event-name';

/** Streampixel's webhook body, the same for every event including the test. */
export interface WebhookEnvelope {
  event: WebhookEventName;
  projectId: string;
  uploadId: string | null;
  fileUrl: string | null;
  status: BuildStatus | null;
  objection: string | null;
  timestamp: string;
}

/** The answer of `test-webhook`: `statusCode` is the receiver's, 0 when it could not be reached. */
export interface WebhookTestResult {
  success: boolean;
  message: string;
  statusCode: number;
}
