import { webhookDeliveriesStreamName, type WebhookDeliveryEvent } from '@hangar/contracts';
import { evolvePendingDeliveries, fold, initialWebhookDeliveries, pendingOnly, webhookDeliveriesDecider, type WebhookDeliveries } from '@hangar/domain';
import type { EventStore, RecordedEvent } from '@hangar/event-store';

const STREAM_PREFIX = webhookDeliveriesStreamName('');

/** One project's pending deliveries, as of a revision of its `webhooks-<projectId>` stream (-1: no event yet). */
export interface ProjectSchedule {
  revision: bigint;
  state: WebhookDeliveries;
}

/** What is saved between runs: every project's schedule, and the store position the tail had reached. */
export interface PendingDeliveriesSnapshot {
  position: string | null;
  projects: Record<string, { revision: string; state: WebhookDeliveries }>;
}

export function deliveriesProjectOf(stream: string): string | null {
  return stream.startsWith(STREAM_PREFIX) ? stream.slice(STREAM_PREFIX.length) : null;
}

/**
 * The scheduler's view of every project's deliveries: only what is pending (see `pendingOnly`), kept current by the
 * store's tail and by the dispatcher's own appends, each event applied once by its stream revision (so the tail
 * replaying from an older position, or an event seen both ways, changes nothing). Its cost follows the work in
 * flight, not the history: a restart resumes from a snapshot and the store's events after its position.
 */
export class PendingDeliveries {
  private readonly projects = new Map<string, ProjectSchedule>();
  /** The store position the tail has applied (every event up to it is in). */
  position: bigint | null = null;

  constructor(private readonly store: EventStore) {}

  restore(snapshot: PendingDeliveriesSnapshot): void {
    this.position = snapshot.position === null ? null : BigInt(snapshot.position);
    for (const [projectId, schedule] of Object.entries(snapshot.projects)) {
      this.projects.set(projectId, { revision: BigInt(schedule.revision), state: schedule.state });
    }
  }

  snapshot(): PendingDeliveriesSnapshot {
    const projects: PendingDeliveriesSnapshot['projects'] = {};
    for (const [projectId, { revision, state }] of this.projects) projects[projectId] = { revision: revision.toString(), state };
    return { position: this.position?.toString() ?? null, projects };
  }

  get(projectId: string): ProjectSchedule | undefined {
    return this.projects.get(projectId);
  }

  projectIds(): string[] {
    return [...this.projects.keys()];
  }

  /** Applies an event of a `webhooks-*` stream (others are ignored); the project it changed, if any. */
  async apply(event: Pick<RecordedEvent, 'stream' | 'type' | 'data' | 'revision'>): Promise<string | null> {
    const projectId = deliveriesProjectOf(event.stream);
    if (projectId === null) return null;
    return (await this.applyTo(projectId, event.revision, event as unknown as WebhookDeliveryEvent)) ? projectId : null;
  }

  /** Applies what this dispatcher appended (the tail will see the same events later and skip them). */
  async applyAppended(projectId: string, events: WebhookDeliveryEvent[], lastRevision: bigint): Promise<void> {
    const first = lastRevision - BigInt(events.length) + 1n;
    for (const [i, event] of events.entries()) await this.applyTo(projectId, first + BigInt(i), event);
  }

  /** Folds the project's whole stream: after a gap, a resend of a dropped delivery, or a conflicting writer. */
  async reload(projectId: string): Promise<void> {
    const events = await this.store.readStream(webhookDeliveriesStreamName(projectId));
    if (events.length === 0) return;
    const revision = events[events.length - 1].revision;
    // Never go back: the tail may have applied later events while the stream was being read.
    if (revision <= (this.projects.get(projectId)?.revision ?? -1n)) return;
    const state = pendingOnly(fold(webhookDeliveriesDecider, events.map((e) => ({ type: e.type, data: e.data }) as WebhookDeliveryEvent)));
    this.projects.set(projectId, { revision, state });
  }

  private async applyTo(projectId: string, revision: bigint, event: WebhookDeliveryEvent): Promise<boolean> {
    const current = this.projects.get(projectId) ?? { revision: -1n, state: initialWebhookDeliveries };
    if (revision <= current.revision) return false;
    if (revision !== current.revision + 1n) {
      await this.reload(projectId);
      return true;
    }
    const state = evolvePendingDeliveries(current.state, { type: event.type, data: event.data } as WebhookDeliveryEvent);
    if (state === null) await this.reload(projectId);
    else this.projects.set(projectId, { revision, state });
    return true;
  }
}
