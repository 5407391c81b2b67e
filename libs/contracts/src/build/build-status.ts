/**
 * The raw build statuses, exactly as Streampixel spells them (webhook `status`, `files[].status`).
 * Drop-in clients compare these strings, so they must never change.
 */
export const BuildStatus = {
  Pending: 'pending',
  Downloading: 'Downloading Files',
  Scanning: 'Extracting & Scanning',
  Saving: 'Saving to Repository',
  Distributing: 'Distribute',
  Approved: 'Approved',
  Rejected: 'Reject',
} as const;
export type BuildStatus = (typeof BuildStatus)[keyof typeof BuildStatus];

/** The dashboard labels of the Streampixel Builds page; `Archived` has no raw status of its own. */
export const BuildLabel = {
  Queued: 'Queued',
  Downloading: 'Downloading',
  Scanning: 'Extracting and Scanning',
  Saving: 'Saving to Repository',
  Distributing: 'Distributing to the Servers',
  Live: 'Current Live Build',
  Archived: 'Archived',
  Rejected: 'Validation Failed',
} as const;
export type BuildLabel = (typeof BuildLabel)[keyof typeof BuildLabel];

export const TERMINAL_STATUSES: readonly BuildStatus[] = [BuildStatus.Approved, BuildStatus.Rejected];
