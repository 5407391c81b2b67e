/**
 * Why a build was rejected. `objection` keeps Streampixel's human strings (clients grep their CI logs for them);
 * `code` is the stable, machine-readable reason Hangar adds beside it.
 */
export const Objection = {
  DOWNLOAD_FAILED: 'Failed to download file',
  ARCHIVE_UNREADABLE: 'Archive could not be extracted',
  MISSING_EXECUTABLE: 'Missing executable',
  UNSUPPORTED_FILES: 'Build contains unsupported file formats',
  STORAGE_FAILED: 'Failed to save build to repository',
  NO_WORKERS: 'No streaming servers available in region',
  WORKER_VALIDATION_FAILED: 'Validation failed on worker',
} as const;
export type ObjectionCode = keyof typeof Objection;
export type ObjectionText = (typeof Objection)[ObjectionCode];

export function objectionFor(code: ObjectionCode): ObjectionText {
  return Objection[code];
}
