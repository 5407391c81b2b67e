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
  /** `trigger: 'auto'` comes after storage when the build is released on its own; `manual` is distribute-file. */
  | { type: 'StartDistribution'; trigger: 'auto' | 'manual'; at: string }
  | { type: 'RecordWorkerReady'; workerId: string; round: number; quorum: number; at: string }
  | { type: 'RejectBuild'; code: ObjectionCode; reason: string; at: string }
  /** `tag`: at most 64 characters, or null to clear it. */
  | { type: 'TagBuild'; tag: string | null; at: string }
  /** `live`: whether the project serves this build now (the project stream knows; the shell reads it). */
  | { type: 'DeleteBuild'; live: boolean; at: string };

export type BuildCommandType = BuildCommand['type'];
