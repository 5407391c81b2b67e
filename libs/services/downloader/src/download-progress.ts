import { Subjects, type BuildProgress } from '@hangar/contracts';
import type { MessageBus } from '@hangar/bus';

/** At most this often: enough for a progress bar, and a 24 GB download stays a few thousand small messages. */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * Turns the download's byte counts into `BuildProgress` broadcasts (bus, not the event store), at most one per
 * interval, with the rate over that interval. A broadcast that fails is dropped: the next one replaces it.
 */
export class DownloadProgressReporter {
  private lastAt: number;
  private lastBytes: number;

  constructor(
    private readonly bus: MessageBus,
    private readonly uploadId: string,
    private readonly now: () => Date,
    startBytes: number,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.lastAt = now().getTime();
    this.lastBytes = startBytes;
  }

  report(bytes: number, totalBytes: number | null): void {
    const now = this.now();
    const elapsed = now.getTime() - this.lastAt;
    if (elapsed < this.intervalMs) return;
    const progress: BuildProgress = {
      uploadId: this.uploadId,
      stage: 'download',
      bytes,
      totalBytes,
      percent: totalBytes ? Math.min(100, Math.round((bytes / totalBytes) * 1000) / 10) : null,
      bytesPerSecond: Math.max(0, Math.round(((bytes - this.lastBytes) * 1000) / elapsed)),
      at: now.toISOString(),
    };
    this.lastAt = now.getTime();
    this.lastBytes = bytes;
    this.bus.broadcast(Subjects.buildProgress(this.uploadId), progress).catch(() => undefined);
  }
}
