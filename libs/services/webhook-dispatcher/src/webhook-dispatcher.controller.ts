import { Controller, Inject } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import {
  NotFound,
  Subjects,
  buildStreamName,
  projectStreamName,
  webhookDeliveriesStreamName,
  type BuildEvent,
  type ProjectEvent,
  type PublishedEvent,
  type WebhookTestResult,
} from '@hangar/contracts';
import { randomUUID } from 'node:crypto';
import { CLOCK, WEBHOOK_SECRET_VAULT, WebhookSecretVault, causedBy, handleCommand, loadState, type Clock } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, projectDecider, webhookDeliveriesDecider, type Build, type ExistingProject, type Project } from '@hangar/domain';
import { postJson, standardWebhookHeaders } from '@hangar/egress';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { DeliveryScheduler } from './delivery-scheduler';
import { signingSecrets } from './signing-secrets';
import { envelopeFor, testEnvelope } from './webhook-envelope';

/**
 * Turns each build event a project selected into a scheduled delivery (its own stream, `webhooks-<projectId>`) and
 * leaves the sending to the `DeliveryScheduler`: the build feed is consumed in store order and never waits for an
 * endpoint, so one failing receiver delays nobody else.
 */
@Controller()
export class WebhookDispatcherController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(WEBHOOK_SECRET_VAULT) private readonly vault: WebhookSecretVault,
    @Inject(DeliveryScheduler) private readonly scheduler: DeliveryScheduler,
  ) {}

  @EventPattern(Subjects.allBuildEvents)
  async onBuildEvent(event: PublishedEvent): Promise<void> {
    const { projectId, uploadId } = event.data as { projectId: string; uploadId: string };
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
    if (!project.exists || !project.webhookUrl) return;
    const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(uploadId), buildDecider);
    const envelope = envelopeFor(event, projectId, build.exists ? build.fileUrl : null);
    if (!envelope || !project.webhookEvents.includes(envelope.event)) return;

    await handleCommand(
      this.store,
      webhookDeliveriesStreamName(projectId),
      webhookDeliveriesDecider,
      // The stored event's id: the delivery's `webhook-id`, the same on every retry.
      { type: 'ScheduleDelivery', projectId, deliveryId: event.id, uploadId, envelope, at: this.clock.now().toISOString() },
      causedBy(event, 'webhook-dispatcher'),
    );
    this.scheduler.kick(projectId);
  }

  /** Streampixel's test-webhook: one attempt, the receiver's status code (0 when unreachable). */
  @MessagePattern(Subjects.webhookTest)
  async test({ projectId }: { projectId: string }): Promise<WebhookTestResult> {
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
    if (!project.exists || !project.webhookUrl) throw new NotFound('No webhook URL configured');
    const result = await postJson(
      project.webhookUrl,
      testEnvelope(projectId, this.clock.now().toISOString()),
      this.policy(),
      this.signed(project, `test_${randomUUID()}`),
    );
    return {
      success: result.ok,
      message: result.ok ? 'Test webhook delivered' : result.statusCode ? 'Webhook endpoint returned non-2xx status' : `Webhook endpoint unreachable: ${result.error ?? 'no response'}`,
      statusCode: result.statusCode,
    };
  }

  private signed(project: ExistingProject, webhookId: string) {
    const now = this.clock.now();
    const secrets = signingSecrets(project, this.vault, now, this.config.webhookSecretOverlapMs);
    return {
      timeoutMs: this.config.webhookTimeoutMs,
      headersFor: (payload: string) => standardWebhookHeaders(webhookId, Math.floor(now.getTime() / 1000), payload, secrets),
    };
  }

  private policy() {
    return { allowPrivateNetworks: this.config.allowPrivateNetworks };
  }
}
