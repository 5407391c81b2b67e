import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import {
  NotFound,
  Subjects,
  buildStreamName,
  projectStreamName,
  type BuildEvent,
  type ProjectEvent,
  type PublishedEvent,
  type WebhookTestResult,
} from '@hangar/contracts';
import { CLOCK, loadState, type Clock } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, projectDecider, type Build, type Project } from '@hangar/domain';
import { postJson } from '@hangar/egress';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { envelopeFor, testEnvelope } from './webhook-envelope';

export class WebhookDeliveryFailed extends Error {
  readonly code = 'WEBHOOK_DELIVERY_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryFailed';
  }
}

/**
 * Fires each build's webhooks, in pipeline order: the build feed is consumed in store order, one event at a time,
 * and a failed delivery is not acked, so it is retried (with the bus's backoff) before any later event is sent.
 */
@Controller()
export class WebhookDispatcherController {
  private readonly logger = new Logger('WebhookDispatcher');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {}

  @EventPattern(Subjects.allBuildEvents)
  async onBuildEvent(event: PublishedEvent): Promise<void> {
    const { projectId, uploadId } = event.data as { projectId: string; uploadId: string };
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
    if (!project.exists || !project.webhookUrl) return;
    const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(uploadId), buildDecider);
    const envelope = envelopeFor(event, projectId, build.exists ? build.fileUrl : null);
    if (!envelope || !project.webhookEvents.includes(envelope.event)) return;

    const result = await postJson(project.webhookUrl, envelope, this.policy(), { timeoutMs: this.config.webhookTimeoutMs });
    if (!result.ok) {
      const why = result.statusCode ? `HTTP ${result.statusCode}` : (result.error ?? 'unreachable');
      this.logger.warn(`${envelope.event} for build ${uploadId} to ${project.webhookUrl} failed (${why}); it will be retried`);
      throw new WebhookDeliveryFailed(`${envelope.event} to ${project.webhookUrl}: ${why}`);
    }
  }

  /** Streampixel's test-webhook: one attempt, the receiver's status code (0 when unreachable). */
  @MessagePattern(Subjects.webhookTest)
  async test({ projectId }: { projectId: string }): Promise<WebhookTestResult> {
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
    if (!project.exists || !project.webhookUrl) throw new NotFound('No webhook URL configured');
    const result = await postJson(project.webhookUrl, testEnvelope(projectId, this.clock.now().toISOString()), this.policy(), {
      timeoutMs: this.config.webhookTimeoutMs,
    });
    return {
      success: result.ok,
      message: result.ok ? 'Test webhook delivered' : result.statusCode ? 'Webhook endpoint returned non-2xx status' : `Webhook endpoint unreachable: ${result.error ?? 'no response'}`,
      statusCode: result.statusCode,
    };
  }

  private policy() {
    return { allowPrivateNetworks: this.config.allowPrivateNetworks };
  }
}
