import type { BuildCopySource, BuildStatus, DownloadedArchive, ObjectionCode, ScanReport, StoredBuild } from '@hangar/contracts';

export type Build = NoBuild | ExistingBuild;
export interface NoBuild {
  exists: false;
}
export interface ExistingBuild {
  exists: true;
  uploadId: string;
  projectId: string;
  userId: string;
  fileUrl: string;
  region: string;
  autoRelease: boolean;
  /** The size limit it was queued under; null for builds queued before limits were per project (config decides). */
  maxBuildBytes: number | null;
  /** What the uploader said the zip is; the download must match what is given. */
  declared: { sha256?: string; size?: number };
  status: BuildStatus;
  /** Within the current status: has the stage's work finished (e.g. download complete, still `Downloading Files`)? */
  stageDone: boolean;
  archive: DownloadedArchive | null;
  scan: ScanReport | null;
  stored: StoredBuild | null;
  /** Distribution rounds so far (a rollback distributes an approved build again). */
  round: number;
  readyWorkers: string[];
  /** The current round's rules (null: a round started before they were recorded, or none yet). */
  quorum: number | null;
  deadline: string | null;
  rejection: { code: ObjectionCode; objection: string; reason: string } | null;
  /**
   * It was approved in an earlier round: a later round that fails (set live, rollback, retrieval) returns it to
   * Approved (RedistributionFailed) instead of rejecting a build that served well.
   */
  approvedBefore: boolean;
  tag: string | null;
  /** A copy's source records; the stages complete from them at once. Null for an uploaded build. */
  copiedFrom: BuildCopySource | null;
  /** Deleted builds keep their last status; every later command on them decides nothing. */
  deleted: boolean;
  /** Its files are in cold storage (BuildArchived), until a retrieval brings them back. */
  archived: boolean;
  /** Coming back from cold storage to be distributed: from BuildRetrievalStarted until its distribution starts. */
  retrieving: boolean;
}

export const noBuild: NoBuild = { exists: false };
