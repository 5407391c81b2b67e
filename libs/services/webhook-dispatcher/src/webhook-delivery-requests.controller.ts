import { Controller, Inject } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import {
  STATUS_ENTERED_BY,
  Subjects,
  buildStreamName,
  projectStreamName,
  streamCategory,
  webhookDeliveriesStreamName,
  type BuildEvent,
  type BuildEventType,
  type Page,
  type ProjectEvent,
  type ProjectSettingsChanged,
  type PublishedEvent,
  type WebhookDeliveriesQuery,
  type WebhookDeliveryEvent,
  type WebhookDeliveryView,
  type WebhookEndpointEnabled,
  type WebhookEndpointView,
  type WebhookReplayRequested,
  type WebhookResendRequested,
} from '@hangar/contracts';
import { randomUUID } from 'node:crypto';
import { CLOCK, causedBy, handleCommand, loadState, toPublishedEvent, type Clock } from '@hangar/application';
import {
  buildDecider,
  deliveryLog,
  endpointView,
  projectDecider,
  webhookDeliveriesDecider,
  type Build,
  type Project,
  type ReplayedDelivery,
  type WebhookDeliveries,
} from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { DeliveryScheduler } from './delivery-scheduler';
import { envelopeFor } from './webhook-envelope';

const MAX_LIMIT = 100;

/**
 * The owner's side of the deliveries: the log (answered from the `webhooks-<projectId>` stream itself, which is the
 * dispatcher's own state, so no second read model has to be kept in step), and the reactions to what ingest recorded
 * in that stream (a resend, an enabled endpoint, a replay) or to a changed webhook URL.
 */
@Controller()
export class WebhookDeliveryRequestsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DeliveryScheduler) private readonly scheduler: DeliveryScheduler,
  ) {}

  @MessagePattern(Subjects.webhookDeliveries)
  async log(query: WebhookDeliveriesQuery): Promise<Page<WebhookDeliveryView> & { endpoint: WebhookEndpointView }> {
    const state = await this.deliveries(query.projectId);
    const page = Math.max(1, Math.floor(query.page ?? 1));
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(query.limit ?? 20)));
    const all = deliveryLog(state, { state: query.state });
    return { items: all.slice((page - 1) * limit, page * limit), page, limit, total: all.length, endpoint: endpointView(state) };
  }

  @EventPattern(Subjects.eventOf('webhooks', 'WebhookResendRequested'))
  onResendRequested(event: PublishedEvent<'WebhookResendRequested', WebhookResendRequested['data']>): void {
    this.scheduler.kick(event.data.projectId);
  }

  @EventPattern(Subjects.eventOf('webhooks', 'WebhookEndpointEnabled'))
  onEndpointEnabled(event: PublishedEvent<'WebhookEndpointEnabled', WebhookEndpointEnabled['data']>): void {
    this.scheduler.kick(event.data.projectId);
  }

  /** A new URL is a new endpoint: whatever disabled the old one says nothing about it. */
  @EventPattern(Subjects.projectEvent('ProjectSettingsChanged'))
  async onProjectSettingsChanged(event: PublishedEvent<'ProjectSettingsChanged', ProjectSettingsChanged['data']>): Promise<void> {
    const { projectId, webhookUrl } = event.data;
    if (!webhookUrl) return;
    await handleCommand(
      this.store,
      webhookDeliveriesStreamName(projectId),
      webhookDeliveriesDecider,
      { type: 'EnableEndpoint', projectId, reason: 'the webhook URL changed', at: this.clock.now().toISOString() },
      causedBy(event, 'webhook-dispatcher'),
    );
    this.scheduler.kick(projectId);
  }

  /**
   * Finds the project's build events after the requested time or position and up to the request itself (later ones
   * are delivered anyway), and schedules them in store order, in one append: a redelivered request schedules nothing
   * twice. The project's current event selection applies.
   */
  @EventPattern(Subjects.eventOf('webhooks', 'WebhookReplayRequested'))
  async onReplayRequested(event: PublishedEvent<'WebhookReplayRequested', WebhookReplayRequested['data']>): Promise<void> {
    const { projectId, replayId, since, afterPosition } = event.data;
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
    if (!project.exists) return;
    const until = BigInt(event.position);
    const fileUrls = new Map<string, string | null>();
    const deliveries: ReplayedDelivery[] = [];
    scan: for (let after = afterPosition === null ? undefined : BigInt(afterPosition); ; ) {
      const page = await this.store.readAll({ after, limit: 1000 });
      if (page.length === 0) break;
      for (const recorded of page) {
        if (recorded.position >= until) break scan;
        if (streamCategory(recorded.stream) !== 'build' || !STATUS_ENTERED_BY[recorded.type as BuildEventType]) continue;
        const data = recorded.data as { projectId?: string; uploadId: string; at?: string };
        if (data.projectId !== projectId) continue;
        if (since !== null && Date.parse(data.at ?? recorded.recordedAt.toISOString()) < Date.parse(since)) continue;
        const envelope = envelopeFor(toPublishedEvent(recorded), projectId, await this.fileUrlOf(data.uploadId, fileUrls));
        if (!envelope || !project.webhookEvents.includes(envelope.event)) continue;
        deliveries.push({ deliveryId: randomUUID(), uploadId: data.uploadId, envelope, replayOf: recorded.id });
      }
      after = page[page.length - 1].position;
    }
    await handleCommand(
      this.store,
      webhookDeliveriesStreamName(projectId),
      webhookDeliveriesDecider,
      { type: 'ScheduleReplay', projectId, replayId, deliveries, at: this.clock.now().toISOString() },
      causedBy(event, 'webhook-dispatcher'),
    );
    this.scheduler.kick(projectId);
  }

  private async fileUrlOf(uploadId: string, known: Map<string, string | null>): Promise<string | null> {
    if (!known.has(uploadId)) {
      const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(uploadId), buildDecider);
      known.set(uploadId, build.exists ? build.fileUrl : null);
    }
    return known.get(uploadId) ?? null;
  }

  private deliveries(projectId: string): Promise<WebhookDeliveries> {
    return loadState<WebhookDeliveryEvent, WebhookDeliveries>(this.store, webhookDeliveriesStreamName(projectId), webhookDeliveriesDecider);
  }
}
