import { randomUUID } from 'node:crypto';
import {
  ALL_WEBHOOK_EVENTS,
  BUILD_WEBHOOK_EVENTS,
  projectStreamName,
  webhookDeliveriesStreamName,
  type ProjectCreated,
  type WebhookEnvelope,
  type WebhookSecretIssued,
} from '@hangar/contracts';

/** What these helpers need of an event store (the port's `append`; testing does not depend on the adapters). */
export interface AppendableStore {
  append(stream: string, events: { type: string; data: unknown }[], expected: 'no_stream' | 'any'): Promise<unknown>;
}
/** Seals a webhook secret as the deployment's vault does (`WebhookSecretVault.seal`). */
export type SealSecret = (secret: string) => string;

/** A project with a webhook URL and a sealed signing secret: the two facts ingest's project decider appends. */
export async function createProjectWithWebhook(store: AppendableStore, seal: SealSecret, webhookUrl: string): Promise<string> {
  const projectId = randomUUID().replace(/-/g, '').slice(0, 24);
  const at = new Date().toISOString();
  const created: ProjectCreated = {
    type: 'ProjectCreated',
    data: { projectId, ownerId: 'load-test', name: `load ${projectId}`, region: 'europe', webhookUrl, webhookEvents: [...ALL_WEBHOOK_EVENTS], autoRelease: true, at },
  };
  const secret: WebhookSecretIssued = {
    type: 'WebhookSecretIssued',
    data: { projectId, sealedSecret: seal(`whsec_${Buffer.from(randomUUID()).toString('base64')}`), at },
  };
  await store.append(projectStreamName(projectId), [created, secret], 'no_stream');
  return projectId;
}

export interface ScheduledDelivery {
  deliveryId: string;
  uploadId: string;
  /** Unique per delivery (the envelope's `fileUrl`), so a receiver can tell a duplicate from another event. */
  key: string;
}

/**
 * Schedules `builds × perBuild` deliveries straight into the project's delivery stream, as the dispatcher's
 * controller would for that many build events, without running that many builds: the load for the scheduler alone.
 * Returned in schedule order (each build's in pipeline order).
 */
export async function scheduleDeliveries(store: AppendableStore, projectId: string, builds: number, perBuild: number): Promise<ScheduledDelivery[]> {
  const at = new Date().toISOString();
  const scheduled: ScheduledDelivery[] = [];
  const uploadIds = Array.from({ length: builds }, () => randomUUID().replace(/-/g, '').slice(0, 24));
  for (let step = 0; step < perBuild; step++) {
    for (const uploadId of uploadIds) {
      const key = `https://files.example.com/${uploadId}/${step}.zip`;
      scheduled.push({ deliveryId: randomUUID(), uploadId, key });
    }
  }
  const events = scheduled.map(({ deliveryId, uploadId, key }, i) => {
    const envelope: WebhookEnvelope = {
      event: BUILD_WEBHOOK_EVENTS[Math.floor(i / builds) % BUILD_WEBHOOK_EVENTS.length],
      projectId,
      uploadId,
      fileUrl: key,
      status: null,
      objection: null,
      timestamp: at,
    };
    return { type: 'WebhookDeliveryScheduled', data: { projectId, deliveryId, uploadId, envelope, at } };
  });
  const stream = webhookDeliveriesStreamName(projectId);
  for (let i = 0; i < events.length; i += 250) await store.append(stream, events.slice(i, i + 250), 'any');
  return scheduled;
}
