import type { BuildLabel, BuildStatus } from '../build/build-status';
import type { DownloadedArchive, ScanReport, StoredBuild } from '../build/scan-report';
import type { WebhookEventName } from '../webhook/webhook-event-name';
import type { WebhookEndpointView } from '../webhook/webhook-delivery-log';
import type { BuildProgress } from '../build/build-progress';
import type { SanityCheck } from '../project/sanity-check';

/** A build as the read side shows it: a projection of its stream plus its project's live pointer. */
export interface BuildView {
  uploadId: string;
  projectId: string;
  userId: string;
  fileUrl: string;
  status: BuildStatus;
  label: BuildLabel;
  live: boolean;
  /**
   * Approved in its latest round, and the project's live pointer has not moved to it yet (LiveBuildChanged follows the
   * approval): labelled Distributing to the Servers until it is live, so that no approved build shows as Archived on
   * its way to the live slot. Absent in documents projected before it existed.
   */
  goingLive?: boolean;
  /** Its files are in cold storage (not live for `HANGAR_ARCHIVE_AFTER_SECONDS`); set live retrieves them first. */
  archived?: boolean;
  /** Stored in the repository and waiting for a release (autoRelease off): shown as Archived. */
  stored: boolean;
  autoRelease: boolean;
  objection: string | null;
  objectionCode: string | null;
  reason: string | null;
  archive: DownloadedArchive | null;
  scan: ScanReport | null;
  storage: StoredBuild | null;
  /** The studio's label for the build (`PUT /v1/builds/:uploadId/tag`); null when untagged. */
  tag: string | null;
  createdAt: string;
  updatedAt: string;
  timeline: BuildTimelineEntry[];
  /** While Downloading Files: the latest broadcast progress (bytes, percent, rate); null otherwise or before any. */
  progress?: BuildProgress | null;
}
export interface BuildTimelineEntry {
  type: string;
  status: BuildStatus;
  at: string;
  position: string;
  /**
   * Why the build or its round failed, on `BuildRejected` and `RedistributionFailed` entries (a failed set-live or
   * rollback shows here: the build itself stays Approved, without an objection). Absent on other entries.
   */
  failure?: { code: string; objection: string; reason: string };
}

export interface ProjectView {
  id: string;
  name: string;
  region: string;
  ownerId: string;
  webhookUrl: string | null;
  webhookEvents: WebhookEventName[];
  autoRelease: boolean;
  /** Largest build accepted, in bytes; null: the deployment's default (`HANGAR_MAX_BUILD_BYTES`). */
  maxBuildBytes: number | null;
  /** The workers' check of each build; null: the deployment's (`HANGAR_SANITY_CHECK`), if any. */
  sanityCheck: SanityCheck | null;
  liveUploadId: string | null;
  /** Disabled after a 410 or a long failure (`WebhookEndpointDisabled`) until re-enabled; on the read side only. */
  webhookEndpoint?: WebhookEndpointView;
  createdAt: string;
  updatedAt: string;
  /** The webhook signing secret (`whsec_…`), only in the answer of the call that created it: it is never shown again. */
  webhookSecret?: string;
}
export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}
