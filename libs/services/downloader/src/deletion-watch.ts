import { buildStreamName, type BuildEvent } from '@hangar/contracts';
import { loadState } from '@hangar/application';
import { buildDecider, type Build } from '@hangar/domain';
import type { EventStore } from '@hangar/event-store';

/** How often a download in progress looks whether its build was deleted: the transfer stops this late at most. */
export const DELETION_CHECK_INTERVAL_MS = 1000;

/**
 * Aborts a build's download once the build is deleted (`BuildDeleted` in its stream). It reads the build's stream,
 * not a bus message: the downloader may be one of several processes, and only the one holding the download can stop
 * it, whereas a durable consumer would hand the deletion to any of them. The stream is short and read once per
 * interval per download under way.
 */
export class DeletionWatch {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly store: EventStore,
    private readonly uploadId: string,
    intervalMs = DELETION_CHECK_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Aborted once the build is found deleted. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking || this.controller.signal.aborted) return;
    this.checking = true;
    try {
      const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(this.uploadId), buildDecider);
      if (build.exists && build.deleted) {
        this.stop();
        this.controller.abort();
      }
    } catch {
      // The store did not answer this time: the next check will ask again.
    } finally {
      this.checking = false;
    }
  }
}
