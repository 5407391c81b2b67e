import type { BuildView, ProjectView } from '@hangar/contracts';

/** `files[]` as Streampixel's get-project returns it, plus Hangar's extra fields (ignored by strict clients). */
export function pixelStripeFile(b: BuildView) {
  return {
    _id: b.uploadId,
    url: b.fileUrl,
    status: b.status,
    date: b.createdAt,
    objection: b.objection,
    objectionCode: b.objectionCode,
    reason: b.reason,
    label: b.label,
    live: b.live,
    // Read models written before tags existed lack the field.
    tag: b.tag ?? null,
    ueVersion: b.scan?.ueVersion ?? null,
    projectName: b.scan?.projectName ?? null,
    pixelStreaming: b.scan?.pixelStreaming ?? null,
    fileCount: b.scan?.fileCount ?? null,
    totalSize: b.scan?.totalSize ?? null,
    updatedAt: b.updatedAt,
  };
}

export function pixelStripeProject(p: ProjectView, builds: BuildView[]) {
  return {
    id: p.id,
    name: p.name,
    region: p.region,
    status: true,
    webhookUrl: p.webhookUrl,
    webhookEvents: p.webhookEvents,
    customDomain: null,
    files: builds.map(pixelStripeFile),
    liveUsers: 0,
    usersInQueue: 0,
    subscriptionStatus: 'active',
    autoRelease: p.autoRelease,
    liveUploadId: p.liveUploadId,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
