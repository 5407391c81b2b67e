import { BUILD_EVENT_TYPES, BuildLabel, BuildStatus, STATUS_ENTERED_BY, type BuildEvent, type BuildTimelineEntry, type BuildView, type ProjectEvent, type WebhookDeliveryEvent } from '@hangar/contracts';
import { buildLabel } from '@hangar/domain';
import type { RecordedEvent } from '@hangar/event-store';
import type { ReadModelTransaction } from '../read-model/read-model-store';


/** Folds one stored event into the read models. Unknown event types are ignored (newer writers, older reader). */
export function project(tx: ReadModelTransaction, recorded: RecordedEvent): void {
  const event = { type: recorded.type, data: recorded.data } as BuildEvent | ProjectEvent | WebhookDeliveryEvent;
  const at = (event.data as { at?: string }).at ?? recorded.recordedAt.toISOString();
  switch (event.type) {
    case 'ProjectCreated': {
      const d = event.data;
      tx.putProject({
        id: d.projectId,
        name: d.name,
        region: d.region,
        ownerId: d.ownerId,
        webhookUrl: d.webhookUrl,
        webhookEvents: d.webhookEvents,
        autoRelease: d.autoRelease,
        maxBuildBytes: d.maxBuildBytes ?? null,
        sanityCheck: d.sanityCheck ?? null,
        liveUploadId: null,
        webhookEndpoint: { state: 'enabled', disabledAt: null, reason: null },
        createdAt: at,
        updatedAt: at,
      });
      return;
    }
    case 'ProjectSettingsChanged': {
      const p = tx.project(event.data.projectId);
      if (!p) return;
      const { projectId: _id, at: _at, ...changes } = event.data;
      tx.putProject({ ...p, ...changes, updatedAt: at });
      return;
    }
    case 'WebhookEndpointDisabled':
    case 'WebhookEndpointEnabled': {
      const p = tx.project(event.data.projectId);
      const disabled = event.type === 'WebhookEndpointDisabled';
      if (p) tx.putProject({ ...p, webhookEndpoint: { state: disabled ? 'disabled' : 'enabled', disabledAt: disabled ? at : null, reason: disabled ? event.data.reason : null } });
      return;
    }
    case 'LiveBuildChanged': {
      const p = tx.project(event.data.projectId);
      if (p) tx.putProject({ ...p, liveUploadId: event.data.uploadId, updatedAt: at });
      for (const [uploadId, live] of [
        [event.data.previousUploadId, false],
        [event.data.uploadId, true],
      ] as const) {
        const b = uploadId ? tx.build(uploadId) : null;
        if (b) tx.putBuild(relabel({ ...b, live, goingLive: false, updatedAt: at }));
      }
      return;
    }
    case 'BuildQueued': {
      const d = event.data;
      if (tx.build(d.uploadId)) return;
      tx.putBuild(
        relabel({
          uploadId: d.uploadId,
          projectId: d.projectId,
          userId: d.userId,
          fileUrl: d.fileUrl,
          status: BuildStatus.Pending,
          label: 'Queued',
          live: false,
          goingLive: false,
          archived: false,
          stored: false,
          autoRelease: d.autoRelease,
          objection: null,
          objectionCode: null,
          reason: null,
          archive: null,
          scan: null,
          storage: null,
          tag: null,
          createdAt: at,
          updatedAt: at,
          timeline: [{ type: event.type, status: BuildStatus.Pending, at, position: recorded.position.toString() }],
        }),
      );
      return;
    }
    case 'BuildDeleted':
      // Gone from every list and read; the event stays in the store (the audit trail).
      tx.deleteBuild(event.data.uploadId);
      return;
    default: {
      if (!(BUILD_EVENT_TYPES as readonly string[]).includes(event.type)) return;
      const b = tx.build((event.data as { uploadId: string }).uploadId);
      if (!b) return;
      const status = STATUS_ENTERED_BY[event.type as BuildEvent['type']] ?? b.status;
      const entry: BuildTimelineEntry = { type: event.type, status, at, position: recorded.position.toString() };
      if (event.type === 'BuildRejected' || event.type === 'RedistributionFailed') {
        entry.failure = { code: event.data.code, objection: event.data.objection, reason: event.data.reason };
      }
      const next: BuildView = { ...b, status, updatedAt: at, timeline: [...b.timeline, entry] };
      applyDetails(next, event as BuildEvent);
      tx.putBuild(relabel(next));
    }
  }
}

function applyDetails(b: BuildView, event: BuildEvent): void {
  switch (event.type) {
    case 'DownloadCompleted':
      b.archive = event.data.archive;
      return;
    case 'ScanPassed':
      b.scan = event.data.report;
      return;
    case 'BuildStored':
      b.storage = event.data.stored;
      b.stored = !event.data.release;
      return;
    case 'DistributionStarted':
      b.stored = false;
      b.goingLive = false;
      return;
    case 'BuildApproved':
      // Approval makes a build live unless it is live already (a redistribution of the live build).
      b.goingLive = !b.live;
      return;
    case 'BuildTagged':
      b.tag = event.data.tag;
      return;
    case 'BuildArchived':
      b.archived = true;
      return;
    case 'BuildRetrieved':
      b.archived = false;
      return;
    case 'BuildRejected':
      b.objection = event.data.objection;
      b.objectionCode = event.data.code;
      b.reason = event.data.reason;
      return;
  }
}

function relabel(b: BuildView): BuildView {
  return { ...b, label: b.goingLive && !b.live ? BuildLabel.Distributing : buildLabel(b.status, b.live, b.stored) };
}
