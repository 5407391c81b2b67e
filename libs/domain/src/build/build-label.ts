import { BuildLabel, BuildStatus } from '@hangar/contracts';

/**
 * The dashboard label of a build. `Archived` is not a raw status: it is an approved build that is not live, or a
 * stored build waiting for a manual release (autoRelease off).
 */
export function buildLabel(status: BuildStatus, live: boolean, storedAwaitingRelease: boolean): BuildLabel {
  switch (status) {
    case BuildStatus.Pending:
      return BuildLabel.Queued;
    case BuildStatus.Downloading:
      return BuildLabel.Downloading;
    case BuildStatus.Scanning:
      return BuildLabel.Scanning;
    case BuildStatus.Saving:
      return storedAwaitingRelease ? BuildLabel.Archived : BuildLabel.Saving;
    case BuildStatus.Distributing:
      return BuildLabel.Distributing;
    case BuildStatus.Approved:
      return live ? BuildLabel.Live : BuildLabel.Archived;
    case BuildStatus.Rejected:
      return BuildLabel.Rejected;
  }
}
