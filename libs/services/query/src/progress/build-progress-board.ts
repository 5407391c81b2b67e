import { BuildStatus, type BuildProgress, type BuildView } from '@hangar/contracts';

/** Entries older than this are swept when the board grows: their build finished or failed without being read. */
const STALE_AFTER_MS = 10 * 60_000;
const SWEEP_ABOVE = 1000;

/**
 * The latest progress of each build, in memory only: progress is broadcast, never stored, so a restarted query
 * service simply shows none until the next broadcast (at most half a second away).
 */
export class BuildProgressBoard {
  private readonly latest = new Map<string, BuildProgress>();

  record(progress: BuildProgress): void {
    const previous = this.latest.get(progress.uploadId);
    // Broadcasts can overtake each other (several downloader instances after a redelivery): keep the newest.
    if (previous && previous.at > progress.at) return;
    this.latest.set(progress.uploadId, progress);
    if (this.latest.size > SWEEP_ABOVE) this.sweep(Date.parse(progress.at));
  }

  /** The build as the API shows it: with its progress while it downloads, `progress: null` otherwise. */
  withProgress(build: BuildView): BuildView {
    const downloading = build.status === BuildStatus.Downloading && build.archive === null;
    if (!downloading) this.latest.delete(build.uploadId);
    return { ...build, progress: downloading ? (this.latest.get(build.uploadId) ?? null) : null };
  }

  private sweep(now: number): void {
    for (const [uploadId, progress] of this.latest) {
      if (now - Date.parse(progress.at) > STALE_AFTER_MS) this.latest.delete(uploadId);
    }
  }
}
