import type { BuildCopySource, DownloadedArchive, ObjectionCode, ScanReport, StoredBuild } from '@hangar/contracts';

/** What can be asked of a build. Each carries `at` (ISO time) so that the decider needs no clock. */
export type BuildCommand =
  | {
      type: 'QueueBuild';
      uploadId: string;
      projectId: string;
      userId: string;
      fileUrl: string;
      autoRelease: boolean;
      region: string;
      /** The project's limit now: a build keeps the limit it was queued under. */
      maxBuildBytes: number;
      declaredSha256?: string;
      declaredSize?: number;
      /** A copy of another stored build: no download, scan or chunking, the source's records are taken over. */
      copiedFrom?: BuildCopySource;
      at: string;
    }
  | { type: 'StartDownload'; at: string }
  | { type: 'CompleteDownload'; archive: DownloadedArchive; at: string }
  | { type: 'StartScan'; at: string }
  | { type: 'PassScan'; report: ScanReport; at: string }
  | { type: 'StartSaving'; at: string }
  | { type: 'CompleteStorage'; stored: StoredBuild; at: string }
  /**
   * `trigger: 'auto'` comes after storage when the build is released on its own; `manual` is distribute-file.
   * `policy`: the deployment's quorum and timeout, fixed into the round when it starts.
   */
  | { type: 'StartDistribution'; trigger: 'auto' | 'manual'; policy: DistributionPolicy; at: string }
  /** `quorum`: the configured one, for rounds that started before the round recorded its own. */
  | { type: 'RecordWorkerReady'; workerId: string; round: number; quorum: number; at: string }
  /**
   * The distributor's check that a round is over time: it rejects the build (NO_WORKERS) once `at` is past the round's
   * deadline. `healthyWorkers` (in the region now) only words the reason. `deadline` stands in for rounds that
   * started before the round recorded its own.
   */
  /** A worker agent's sanity check failed on this round's build: the round, and the build, fail. */
  | { type: 'RecordWorkerValidationFailed'; workerId: string; round: number; reason: string; at: string }
  | { type: 'ExpireDistribution'; round: number; healthyWorkers: number; deadline: string; at: string }
  | { type: 'RejectBuild'; code: ObjectionCode; reason: string; at: string }
  /** `tag`: at most 64 characters, or null to clear it. */
  | { type: 'TagBuild'; tag: string | null; at: string }
  /** `live`: whether the project serves this build now (the project stream knows; the shell reads it). */
  | { type: 'DeleteBuild'; live: boolean; at: string }
  /** Record the move of a stored build that is not live to cold storage (its files are copied there already). */
  | { type: 'ArchiveBuild'; live: boolean; coldManifestKey: string; at: string }
  /** The archived build's files are hot again. */
  | { type: 'CompleteRetrieval'; at: string };

export type BuildCommandType = BuildCommand['type'];

/** How many worker agents must have a build ready, and how long a distribution round may take to get them. */
export interface DistributionPolicy {
  quorum: number;
  timeoutMs: number;
}
