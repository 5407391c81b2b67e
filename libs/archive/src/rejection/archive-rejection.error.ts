import type { ObjectionCode } from '@hangar/contracts';

/**
 * Why an archive is refused, as a thrown error inside the library; `inspectArchive` turns it into a result, because
 * a rejection is a fact about the build, not a failure of Hangar. `reason` is written for the user who uploaded it.
 */
export abstract class ArchiveRejection extends Error {
  abstract readonly code: ObjectionCode;
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/** Not a zip, truncated, corrupt (including a CRC mismatch), encrypted, unsafe to extract, or a zip bomb. */
export class ArchiveUnreadable extends ArchiveRejection {
  readonly code = 'ARCHIVE_UNREADABLE' as const;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'ArchiveUnreadable';
  }
}

/** Files outside the expected layout of a packaged Unreal Engine Windows build. */
export class UnsupportedFiles extends ArchiveRejection {
  readonly code = 'UNSUPPORTED_FILES' as const;
  constructor(reason: string, readonly files: readonly string[]) {
    super(reason);
    this.name = 'UnsupportedFiles';
  }
}

/** Neither a launcher `.exe` at the package root nor one under `<Project>/Binaries/Win64/`. */
export class MissingExecutable extends ArchiveRejection {
  readonly code = 'MISSING_EXECUTABLE' as const;
  constructor(reason: string) {
    super(reason);
    this.name = 'MissingExecutable';
  }
}

/**
 * Reading the archive's bytes failed (file missing, blob store unreachable): Hangar's problem, not the build's.
 * Never turned into a rejection: callers let it propagate and retry.
 */
export class ArchiveSourceFailed extends Error {
  readonly code = 'ARCHIVE_SOURCE_FAILED' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveSourceFailed';
  }
}

export function isArchiveRejection(error: unknown): error is ArchiveRejection {
  return error instanceof ArchiveRejection;
}
