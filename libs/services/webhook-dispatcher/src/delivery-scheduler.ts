import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { projectStreamName, webhookDeliveriesStreamName, type ProjectEvent, type WebhookDeliveryEvent } from '@hangar/contracts';
import { CLOCK, WEBHOOK_SECRET_VAULT, WebhookSecretVault, handleCommand, loadState, type Clock } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import {
  dueDeliveries,
  nextDeliveryDueAt,
  projectDecider,
  webhookDeliveriesDecider,
  type Delivery,
  type ExistingProject,
  type Project,
  type WebhookDeliveries,
} from '@hangar/domain';
import { postJson, standardWebhookHeaders } from '@hangar/egress';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { signingSecrets } from './signing-secrets';

const STREAM_PREFIX = webhookDeliveriesStreamName('');

/**
 * Delivers each project's scheduled webhooks from its `webhooks-<projectId>` stream: one loop per project (a failing
 * endpoint delays only its own project), due attempts of different builds in parallel, each build's in order. The
 * stream is the schedule, so a restart resumes from it; timers are only reminders.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookDeliveries');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private closed = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(WEBHOOK_SECRET_VAULT) private readonly vault: WebhookSecretVault,
  ) {}

  /** Resume: every project with a delivery stream gets a look (a scan of the store's log, once per start). */
  async onApplicationBootstrap(): Promise<void> {
    const projects = new Set<string>();
    for (let after: bigint | undefined; ; ) {
      const page = await this.store.readAll({ after, limit: 1000 });
      if (page.length === 0) break;
      for (const e of page) if (e.stream.startsWith(STREAM_PREFIX)) projects.add(e.stream.slice(STREAM_PREFIX.length));
      after = page[page.length - 1].position;
    }
    for (const projectId of projects) this.kick(projectId);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Look at a project's deliveries now (a new one was scheduled, or one fell due). */
  kick(projectId: string): void {
    if (this.closed) return;
    if (this.running.has(projectId)) {
      this.again.add(projectId);
      return;
    }
    const run = this.deliverDue(projectId)
      .catch((error: Error) => {
        this.logger.warn(`webhook deliveries of project ${projectId}: ${error.message}; looking again shortly`);
        this.remind(projectId, new Date(this.clock.now().getTime() + 1000));
      })
      .finally(() => {
        this.running.delete(projectId);
        if (this.again.delete(projectId)) this.kick(projectId);
      });
    this.running.set(projectId, run);
  }

  private async deliverDue(projectId: string): Promise<void> {
    for (;;) {
      const state = await loadState<WebhookDeliveryEvent, WebhookDeliveries>(this.store, webhookDeliveriesStreamName(projectId), webhookDeliveriesDecider);
      const due = dueDeliveries(state, this.clock.now());
      if (due.length === 0) {
        const next = nextDeliveryDueAt(state);
        if (next) this.remind(projectId, next);
        return;
      }
      const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
      if (!project.exists || !project.webhookUrl) return;
      await Promise.all(due.map((delivery) => this.attempt(project, delivery)));
    }
  }

  private async attempt(project: ExistingProject & { webhookUrl: string | null }, delivery: Delivery): Promise<void> {
    const url = project.webhookUrl as string;
    const now = this.clock.now();
    const secrets = signingSecrets(project, this.vault, now, this.config.webhookSecretOverlapMs);
    const result = await postJson(url, delivery.envelope, { allowPrivateNetworks: this.config.allowPrivateNetworks }, {
      timeoutMs: this.config.webhookTimeoutMs,
      headersFor: (payload) => ({
        ...standardWebhookHeaders(delivery.deliveryId, Math.floor(now.getTime() / 1000), payload, secrets),
        // Receivers that de-duplicate by content can tell a replayed event from a new one (the envelope is the same).
        ...(delivery.replayOf ? { 'webhook-replay': 'true' } : {}),
      }),
    });
    if (!result.ok) this.logger.warn(`${delivery.envelope.event} for build ${delivery.uploadId} to ${url} failed (${result.error ?? result.statusCode})`);
    const at = this.clock.now();
    await handleCommand(
      this.store,
      webhookDeliveriesStreamName(project.projectId),
      webhookDeliveriesDecider,
      {
        type: 'RecordAttempt',
        projectId: project.projectId,
        deliveryId: delivery.deliveryId,
        url,
        at: at.toISOString(),
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt ?? null,
        error: result.ok ? null : (result.error ?? null),
        retryAfterMs: retryAfterMs(result.retryAfter, at),
        retryScheduleMs: this.config.webhookRetryScheduleMs,
        jitter: Math.random(),
        disableAfterMs: this.config.webhookDisableAfterMs,
      },
      { actor: 'webhook-dispatcher', correlationId: delivery.uploadId ?? delivery.deliveryId },
    );
  }

  private remind(projectId: string, at: Date): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(projectId));
    // setTimeout overflows past ~24.8 days; a reminder that early just looks again.
    const wait = Math.min(Math.max(at.getTime() - this.clock.now().getTime(), 0), 2 ** 31 - 1);
    this.timers.set(projectId, setTimeout(() => (this.timers.delete(projectId), this.kick(projectId)), wait));
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: Date): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(date - now.getTime(), 0);
}
