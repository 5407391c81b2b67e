import type { DownloadedArchive, ScanReport, StoredBuild } from './scan-report';
import type { ObjectionCode, ObjectionText } from './objection';
import type { BuildStatus } from './build-status';

/**
 * The facts of a build's life, appended to its stream `build-<uploadId>`. Versioned by type name: a change of shape
 * gets a new type (e.g. `BuildQueued.v2`), never an edit of an old one, because the store keeps them forever.
 */
export interface BuildQueued {
  type: 'BuildQueued';
  data: {
    uploadId: string;
    projectId: string;
    userId: string;
    fileUrl: string;
    autoRelease: boolean;
    region: string;
    at: string;
    /** What the uploader declared the zip to be (upload-file's `sha256` and `size`): the download must match. */
    declaredSha256?: string;
    declaredSize?: number;
    /** The project's size limit when the build was queued (absent in builds queued before limits were per project). */
    maxBuildBytes?: number;
    /** A copy of a stored build (`POST /v1/builds/:uploadId/copy`): each stage completes at once from these records. */
    copiedFrom?: BuildCopySource;
  };
}
/** What a copy takes over from its source build: the archive, the scan report and the manifest (chunks are shared). */
export interface BuildCopySource {
  uploadId: string;
  archive: DownloadedArchive;
  report: ScanReport;
  manifestKey: string;
}
export interface DownloadStarted {
  type: 'DownloadStarted';
  data: { uploadId: string; projectId: string; at: string };
}
export interface DownloadCompleted {
  type: 'DownloadCompleted';
  data: { uploadId: string; projectId: string; archive: DownloadedArchive; at: string };
}
export interface ScanStarted {
  type: 'ScanStarted';
  data: { uploadId: string; projectId: string; at: string };
}
export interface ScanPassed {
  type: 'ScanPassed';
  data: { uploadId: string; projectId: string; report: ScanReport; at: string };
}
export interface SavingStarted {
  type: 'SavingStarted';
  data: { uploadId: string; projectId: string; at: string };
}
export interface BuildStored {
  type: 'BuildStored';
  /** `release`: whether distribution follows on its own (autoRelease); if not, the build waits, Archived. */
  data: { uploadId: string; projectId: string; stored: StoredBuild; release: boolean; at: string };
}
export interface DistributionStarted {
  type: 'DistributionStarted';
  /**
   * `round` counts distributions of this build: a rollback distributes an approved build again. `quorum` (worker
   * agents that must report the build ready) and `deadline` (ISO time: no quorum by then rejects it, NO_WORKERS) are
   * the round's rules, kept here so that a restarted distributor applies them as decided; rounds started before they
   * were recorded lack them (the distributor's configuration applies).
   */
  data: {
    uploadId: string;
    projectId: string;
    region: string;
    round: number;
    trigger: 'auto' | 'manual';
    at: string;
    quorum?: number;
    deadline?: string;
  };
}
export interface BuildReadyOnWorker {
  type: 'BuildReadyOnWorker';
  data: { uploadId: string; projectId: string; workerId: string; round: number; at: string };
}
export interface BuildApproved {
  type: 'BuildApproved';
  data: { uploadId: string; projectId: string; round: number; workers: string[]; at: string };
}
export interface BuildRejected {
  type: 'BuildRejected';
  data: {
    uploadId: string;
    projectId: string;
    /** The status the build was in when it was rejected. */
    stage: BuildStatus;
    code: ObjectionCode;
    objection: ObjectionText;
    /** A human-readable detail (e.g. `HTTP 404 from the file server`). */
    reason: string;
    at: string;
  };
}

/**
 * A distribution round of a build that had been approved before (set live, rollback, distribute-file, or the
 * retrieval of an archived approved build) failed: no quorum by the deadline (`NO_WORKERS`) or a worker's failed
 * sanity check (`WORKER_VALIDATION_FAILED`). The build goes back to `Approved` (not live: the project's live build
 * stays what it was) instead of being rejected; the round's failure is kept here with its objection and reason.
 * A first distribution that fails is still `BuildRejected`.
 */
export interface RedistributionFailed {
  type: 'RedistributionFailed';
  data: {
    uploadId: string;
    projectId: string;
    /** The round that failed. */
    round: number;
    code: ObjectionCode;
    objection: ObjectionText;
    /** A human-readable detail, as `BuildRejected.reason`. */
    reason: string;
    at: string;
  };
}

/** A label the studio gives a build (`v1.2.0`); `null` clears it. Changes no status. */
export interface BuildTagged {
  type: 'BuildTagged';
  data: { uploadId: string; projectId: string; tag: string | null; at: string };
}

/**
 * The build is gone from the project: lists and reads no longer show it, its stored objects are removed, and every
 * later command on it decides nothing (a pending or processing build's pipeline stops). `stage`: its status then.
 */
export interface BuildDeleted {
  type: 'BuildDeleted';
  data: { uploadId: string; projectId: string; stage: BuildStatus; at: string };
}

/**
 * The build's files moved to cold storage (`coldManifestKey`, its chunks in the cold tier) after it was not live for
 * the configured time; its hot manifest goes. Changes no status: an archived build keeps its label (Archived).
 */
export interface BuildArchived {
  type: 'BuildArchived';
  data: { uploadId: string; projectId: string; coldManifestKey: string; at: string };
}
/**
 * Making an archived build live (set live, distribute-file) first brings its files back from cold storage: the build
 * enters `Downloading Files`, as the reference shows archive retrieval.
 */
export interface BuildRetrievalStarted {
  type: 'BuildRetrievalStarted';
  data: { uploadId: string; projectId: string; at: string };
}
/** Its files are hot again (its manifest at the key it was stored under): distribution follows. */
export interface BuildRetrieved {
  type: 'BuildRetrieved';
  data: { uploadId: string; projectId: string; at: string };
}

export type BuildEvent =
  | BuildQueued
  | DownloadStarted
  | DownloadCompleted
  | ScanStarted
  | ScanPassed
  | SavingStarted
  | BuildStored
  | DistributionStarted
  | BuildReadyOnWorker
  | BuildApproved
  | BuildRejected
  | RedistributionFailed
  | BuildTagged
  | BuildDeleted
  | BuildArchived
  | BuildRetrievalStarted
  | BuildRetrieved;
export type BuildEventType = BuildEvent['type'];

export const BUILD_EVENT_TYPES: readonly BuildEventType[] = [
  'BuildQueued',
  'DownloadStarted',
  'DownloadCompleted',
  'ScanStarted',
  'ScanPassed',
  'SavingStarted',
  'BuildStored',
  'DistributionStarted',
  'BuildReadyOnWorker',
  'BuildApproved',
  'BuildRejected',
  'RedistributionFailed',
  'BuildTagged',
  'BuildDeleted',
  'BuildArchived',
  'BuildRetrievalStarted',
  'BuildRetrieved',
];

export function buildStreamName(uploadId: string): string {
  return `build-${uploadId}`;
}

/**
 * The events that move a build into a status (and so fire a webhook: that status's, or the event's own when
 * `WEBHOOK_EVENT_OF` names one). Others change no status.
 */
export const STATUS_ENTERED_BY: Readonly<Partial<Record<BuildEventType, BuildStatus>>> = {
  BuildQueued: 'pending',
  DownloadStarted: 'Downloading Files',
  ScanStarted: 'Extracting & Scanning',
  SavingStarted: 'Saving to Repository',
  BuildRetrievalStarted: 'Downloading Files',
  DistributionStarted: 'Distribute',
  BuildApproved: 'Approved',
  BuildRejected: 'Reject',
  // Back to Approved after a failed redistribution: fires `build.redistribution_failed`, not `build.approved`.
  RedistributionFailed: 'Approved',
};
