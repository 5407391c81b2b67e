import { projectStreamName, streamCategory, webhookDeliveriesStreamName } from '@hangar/contracts';
import type { RecordedEvent } from '@hangar/event-store';

/**
 * Which events of the log belong to a project's history (audit export, state as of a time): every event of its
 * stream and of its builds' streams, whole, and with `withDeliveries` its webhook delivery stream. A build stream is
 * the project's when its first event (BuildQueued) names the project; the log's position order shows that event
 * before any other of the stream, so deleted builds count too.
 */
export class ProjectStreams {
  private readonly builds = new Set<string>();
  private readonly own: Set<string>;

  constructor(
    private readonly projectId: string,
    options: { withDeliveries?: boolean } = {},
  ) {
    this.own = new Set([projectStreamName(projectId), ...(options.withDeliveries ? [webhookDeliveriesStreamName(projectId)] : [])]);
  }

  includes(event: Pick<RecordedEvent, 'stream' | 'revision' | 'data'>): boolean {
    if (this.own.has(event.stream)) return true;
    if (streamCategory(event.stream) !== 'build') return false;
    if (event.revision === 0n && (event.data as { projectId?: unknown } | null)?.projectId === this.projectId) this.builds.add(event.stream);
    return this.builds.has(event.stream);
  }
}
