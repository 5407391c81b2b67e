import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { projectStreamName, webhookDeliveriesStreamName, WrongExpectedVersion, type EventMetadata, type ProjectEvent, type WebhookDeliveryEvent } from '@hangar/contracts';
import { CLOCK, WEBHOOK_SECRET_VAULT, WebhookSecretVault, loadState, type Clock } from '@hangar/application';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import {
  decideWebhookDelivery,
  dueDeliveries,
  evolveWebhookDeliveries,
  nextDeliveryDueAt,
  projectDecider,
  type Delivery,
  type ExistingProject,
  type Project,
  type WebhookDeliveryCommand,
} from '@hangar/domain';
import { postJson, standardWebhookHeaders, type PostJsonOutcome } from '@hangar/egress';
import { EVENT_STORE, LEASES, type AllSubscription, type EventStore, type Leases } from '@hangar/event-store';
import { DispatcherLease } from './dispatcher-lease';
import { InFlightLimit } from './in-flight-limit';
import { PendingDeliveries } from './pending-deliveries/pending-deliveries.projection';
import { loadPendingDeliveriesSnapshot, savePendingDeliveriesSnapshot } from './pending-deliveries/pending-deliveries.snapshot';
import { signingSecrets } from './signing-secrets';

export const DISPATCHER_LEASE = 'webhook-dispatcher';
const SNAPSHOT_EVERY_MS = 5000;
/** How long a conflicting append waits for the tail to bring the other writer's events before reading the stream. */
const CATCH_UP_WAIT_MS = 2000;
const MAX_POSTS_IN_FLIGHT = 64;

/**
 * Delivers each project's scheduled webhooks: one loop per project (a failing endpoint delays only its own project),
 * due attempts of different builds in parallel, each build's in order.
 *
 * Only the holder of the dispatcher lease sends, so several copies can run (one sends, the others wait to take
 * over). What to send comes from `PendingDeliveries`, fed by a tail of the store from a snapshot's position, so
 * neither a start nor a pass over a project reads its whole delivery history. The streams stay the schedule: a
 * restart resumes from them; timers are only reminders.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookDeliveries');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly pending: PendingDeliveries;
  private readonly lease: DispatcherLease;
  private readonly posts = new InFlightLimit(MAX_POSTS_IN_FLIGHT);
  private tail: AllSubscription | null = null;
  private tailing: Promise<void> | null = null;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private savedPosition: bigint | null = null;
  /** The tail has caught up with the store once: before that, the state may lack attempts already made. */
  private caughtUp = false;
  private closed = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(LEASES) leases: Leases,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(WEBHOOK_SECRET_VAULT) private readonly vault: WebhookSecretVault,
  ) {
    this.pending = new PendingDeliveries(store);
    const holder = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.lease = new DispatcherLease(leases.lease(DISPATCHER_LEASE, holder), config.webhookLeaseTtlMs, () => this.kickAll());
  }

  /** Resume from the snapshot, catch up with the store, then follow it; meanwhile, take the lease when free. */
  async onApplicationBootstrap(): Promise<void> {
    const snapshot = await loadPendingDeliveriesSnapshot(this.blobs).catch((error: Error) => {
      this.logger.warn(`webhook deliveries snapshot unreadable (${error.message}): folding the store from the start`);
      return null;
    });
    if (snapshot) this.pending.restore(snapshot);
    this.savedPosition = this.pending.position;
    this.tailing = this.follow().catch((error: Error) => this.logger.error(`webhook deliveries tail stopped: ${error.message}`));
    this.lease.start();
    this.snapshotTimer = setInterval(() => void this.saveSnapshot(), SNAPSHOT_EVERY_MS);
    this.snapshotTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    await this.tail?.close();
    await this.tailing;
    await Promise.allSettled([...this.running.values()]);
    await this.saveSnapshot();
    await this.lease.stop();
  }

  /** Look at a project's deliveries now (a new one was scheduled, or one fell due). */
  kick(projectId: string): void {
    if (this.closed || !this.caughtUp || !this.lease.isHeld()) return;
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

  private kickAll(): void {
    for (const projectId of this.pending.projectIds()) this.kick(projectId);
  }

  /** Pages through the store's log up to its end, then tails it live: every `webhooks-*` event lands in `pending`. */
  private async follow(): Promise<void> {
    let after = this.pending.position ?? undefined;
    for (;;) {
      if (this.closed) return;
      const page = await this.store.readAll({ after, limit: 1000 });
      if (page.length === 0) break;
      for (const event of page) await this.pending.apply(event);
      after = page[page.length - 1].position;
      this.pending.position = after;
    }
    this.caughtUp = true;
    this.kickAll();
    if (this.closed) return;
    const tail = this.store.subscribeToAll(after === undefined ? {} : { after });
    this.tail = tail;
    for await (const event of tail) {
      const changed = await this.pending.apply(event);
      this.pending.position = event.position;
      if (changed) this.kick(changed);
    }
  }

  private async deliverDue(projectId: string): Promise<void> {
    for (;;) {
      if (this.closed || !this.lease.isHeld()) return;
      const schedule = this.pending.get(projectId);
      if (!schedule) return;
      const due = dueDeliveries(schedule.state, this.clock.now());
      if (due.length === 0) {
        const next = nextDeliveryDueAt(schedule.state);
        if (next) this.remind(projectId, next);
        return;
      }
      const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
      if (!project.exists || !project.webhookUrl) return;
      const attempts = await Promise.all(due.map((delivery) => this.posts.run(() => this.attempt(project, delivery))));
      await this.record(projectId, attempts.filter((a) => a !== null));
    }
  }

  /** One POST, unless the lease lapsed meanwhile (then nothing is sent, and nothing recorded). */
  private async attempt(project: ExistingProject & { webhookUrl: string | null }, delivery: Delivery): Promise<RecordedAttempt | null> {
    if (!this.lease.isHeld()) return null;
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
    return {
      command: this.attemptCommand(project.projectId, delivery, url, result),
      metadata: { actor: 'webhook-dispatcher', correlationId: delivery.uploadId ?? delivery.deliveryId },
    };
  }

  private attemptCommand(projectId: string, delivery: Delivery, url: string, result: PostJsonOutcome): WebhookDeliveryCommand {
    const at = this.clock.now();
    return {
      type: 'RecordAttempt',
      projectId,
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
    };
  }

  /**
   * Records a pass's attempts in one append, decided on the projected state and guarded by its revision. Another
   * writer in between (a new delivery scheduled, a resend) makes the append fail: the attempts are decided again on
   * the state that includes its events (the decider ignores an attempt already recorded).
   */
  private async record(projectId: string, attempts: RecordedAttempt[]): Promise<void> {
    for (let round = 1; attempts.length > 0; round++) {
      const schedule = this.pending.get(projectId);
      if (!schedule) return;
      let state = schedule.state;
      const events: { event: WebhookDeliveryEvent; metadata: EventMetadata }[] = [];
      for (const { command, metadata } of attempts) {
        const decided = decideWebhookDelivery(command, state);
        state = decided.reduce(evolveWebhookDeliveries, state);
        events.push(...decided.map((event) => ({ event, metadata })));
      }
      if (events.length === 0) return;
      try {
        const appended = await this.store.append(
          webhookDeliveriesStreamName(projectId),
          events.map(({ event, metadata }) => ({ type: event.type, data: event.data, metadata })),
          schedule.revision < 0n ? 'no_stream' : schedule.revision,
        );
        await this.pending.applyAppended(projectId, events.map((e) => e.event), appended.nextExpectedRevision);
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion) || round >= 20) throw error;
        await this.catchUp(projectId, schedule.revision);
      }
    }
  }

  private async catchUp(projectId: string, stale: bigint): Promise<void> {
    for (const deadline = Date.now() + CATCH_UP_WAIT_MS; Date.now() < deadline; ) {
      if ((this.pending.get(projectId)?.revision ?? -1n) > stale) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.pending.reload(projectId);
  }

  private async saveSnapshot(): Promise<void> {
    const position = this.pending.position;
    if (!this.caughtUp || !this.lease.isHeld() || position === null || position === this.savedPosition) return;
    try {
      await savePendingDeliveriesSnapshot(this.blobs, this.pending.snapshot());
      this.savedPosition = position;
    } catch (error) {
      this.logger.warn(`webhook deliveries snapshot not saved: ${(error as Error).message}`);
    }
  }

  private remind(projectId: string, at: Date): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(projectId));
    // setTimeout overflows past ~24.8 days; a reminder that early just looks again.
    const wait = Math.min(Math.max(at.getTime() - this.clock.now().getTime(), 0), 2 ** 31 - 1);
    this.timers.set(projectId, setTimeout(() => (this.timers.delete(projectId), this.kick(projectId)), wait));
  }
}

interface RecordedAttempt {
  command: WebhookDeliveryCommand;
  metadata: EventMetadata;
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: Date): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(date - now.getTime(), 0);
}
