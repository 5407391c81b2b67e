import {
  BuildIsLive,
  BuildStatus,
  IllegalTransition,
  InvalidInput,
  objectionFor,
  type BuildEvent,
  type BuildRejected,
  type ObjectionCode,
  type RedistributionFailed,
} from '@hangar/contracts';
import { assertNever, type Decider } from '../decider/decider';
import type { BuildCommand } from './build-commands';
import { noBuild, type Build, type ExistingBuild } from './build-state';

/**
 * The build's life: pending → Downloading Files → Extracting & Scanning → Saving to Repository → Distribute →
 * Approved, or Reject (with an objection) from any non-terminal status.
 *
 * Each stage is entered by one event (which fires its webhook) and finished by another; the next stage's service
 * reacts to the finishing event. A command that already took effect returns no events, so a service that crashed
 * after appending and receives its message again appends nothing twice.
 */
export function decideBuild(command: BuildCommand, build: Build): BuildEvent[] {
  if (command.type === 'QueueBuild') {
    if (build.exists) return [];
    if (command.declaredSize !== undefined && command.declaredSize > command.maxBuildBytes) {
      throw new InvalidInput(`size ${command.declaredSize} is over the project's limit of ${command.maxBuildBytes} bytes`);
    }
    const { type: _type, ...data } = command;
    return [{ type: 'BuildQueued', data }];
  }
  if (!build.exists) throw new IllegalTransition(`${command.type}: build does not exist`);
  // A deleted build's pipeline stops where it is: whatever service still holds a message for it appends nothing.
  if (build.deleted) return [];
  const ids = { uploadId: build.uploadId, projectId: build.projectId };

  switch (command.type) {
    case 'StartDownload':
      if (build.status === BuildStatus.Pending) return [{ type: 'DownloadStarted', data: { ...ids, at: command.at } }];
      return alreadyPast(build, BuildStatus.Downloading, command.type);

    case 'CompleteDownload':
      if (build.status === BuildStatus.Downloading && !build.stageDone)
        return [{ type: 'DownloadCompleted', data: { ...ids, archive: command.archive, at: command.at } }];
      return alreadyPast(build, BuildStatus.Downloading, command.type, true);

    case 'StartScan':
      if (build.status === BuildStatus.Downloading && build.stageDone)
        return [{ type: 'ScanStarted', data: { ...ids, at: command.at } }];
      return alreadyPast(build, BuildStatus.Scanning, command.type);

    case 'PassScan':
      if (build.status === BuildStatus.Scanning && !build.stageDone)
        return [{ type: 'ScanPassed', data: { ...ids, report: command.report, at: command.at } }];
      return alreadyPast(build, BuildStatus.Scanning, command.type, true);

    case 'StartSaving':
      if (build.status === BuildStatus.Scanning && build.stageDone)
        return [{ type: 'SavingStarted', data: { ...ids, at: command.at } }];
      return alreadyPast(build, BuildStatus.Saving, command.type);

    case 'CompleteStorage':
      if (build.status === BuildStatus.Saving && !build.stageDone)
        return [{ type: 'BuildStored', data: { ...ids, stored: command.stored, release: build.autoRelease, at: command.at } }];
      return alreadyPast(build, BuildStatus.Saving, command.type, true);

    case 'StartDistribution':
      return startDistribution(build, command);

    case 'RecordWorkerReady': {
      if (build.status !== BuildStatus.Distributing || command.round !== build.round) return [];
      if (build.readyWorkers.includes(command.workerId)) return [];
      const ready: BuildEvent = {
        type: 'BuildReadyOnWorker',
        data: { ...ids, workerId: command.workerId, round: command.round, at: command.at },
      };
      const workers = [...build.readyWorkers, command.workerId];
      if (workers.length < (build.quorum ?? command.quorum)) return [ready];
      return [ready, { type: 'BuildApproved', data: { ...ids, round: build.round, workers, at: command.at } }];
    }

    case 'RecordWorkerValidationFailed':
      if (build.status !== BuildStatus.Distributing || command.round !== build.round) return [];
      return [failed(build, 'WORKER_VALIDATION_FAILED', `worker ${command.workerId}: ${command.reason}`, command.at)];

    case 'ExpireDistribution': {
      if (build.status !== BuildStatus.Distributing || command.round !== build.round) return [];
      const deadline = build.deadline ?? command.deadline;
      if (Date.parse(command.at) < Date.parse(deadline)) return [];
      const quorum = build.quorum ?? 1;
      const reason =
        command.healthyWorkers === 0 && build.readyWorkers.length === 0
          ? `no healthy worker agent in region ${build.region} by ${deadline}`
          : `${build.readyWorkers.length} of ${quorum} worker(s) reported the build ready by ${deadline}`;
      return [failed(build, 'NO_WORKERS', reason, command.at)];
    }

    case 'RejectBuild':
      if (build.status === BuildStatus.Approved || build.status === BuildStatus.Rejected) return [];
      return [failed(build, command.code, command.reason, command.at)];
    case 'TagBuild': {
      if (command.tag !== null && (command.tag.trim().length === 0 || command.tag.length > MAX_TAG_LENGTH)) {
        throw new InvalidInput(`tag must be 1 to ${MAX_TAG_LENGTH} characters, or null to clear it`);
      }
      if (command.tag === build.tag) return [];
      return [{ type: 'BuildTagged', data: { ...ids, tag: command.tag, at: command.at } }];
    }
    case 'DeleteBuild':
      if (command.live) throw new BuildIsLive(build.uploadId);
      return [{ type: 'BuildDeleted', data: { ...ids, stage: build.status, at: command.at } }];

    case 'ArchiveBuild': {
      // Only a build at rest goes cold: stored and held, or approved and no longer live.
      const atRest = build.stageDone && (build.status === BuildStatus.Approved || (build.status === BuildStatus.Saving && build.stored !== null));
      if (command.live || build.archived || !atRest) return [];
      return [{ type: 'BuildArchived', data: { ...ids, coldManifestKey: command.coldManifestKey, at: command.at } }];
    }

    case 'CompleteRetrieval':
      if (!build.retrieving || build.status !== BuildStatus.Downloading || build.stageDone) return [];
      return [{ type: 'BuildRetrieved', data: { ...ids, at: command.at } }];

    default:
      return assertNever(command);
  }
}

export const MAX_TAG_LENGTH = 64;

function startDistribution(build: ExistingBuild, command: Extract<BuildCommand, { type: 'StartDistribution' }>): BuildEvent[] {
  const ids = { uploadId: build.uploadId, projectId: build.projectId };
  const start = (): BuildEvent[] => [
    {
      type: 'DistributionStarted',
      data: {
        ...ids,
        region: build.region,
        round: build.round + 1,
        trigger: command.trigger,
        at: command.at,
        quorum: command.policy.quorum,
        deadline: new Date(Date.parse(command.at) + command.policy.timeoutMs).toISOString(),
      },
    },
  ];
  const stored = build.status === BuildStatus.Saving && build.stageDone;
  if (build.retrieving) {
    // Back from cold storage: distributed once the files are hot (the retrieval's end starts it, as 'auto').
    return build.status === BuildStatus.Downloading && build.stageDone ? start() : [];
  }
  if (build.archived && command.trigger === 'manual' && (stored || build.status === BuildStatus.Approved)) {
    return [{ type: 'BuildRetrievalStarted', data: { ...ids, at: command.at } }];
  }
  if (command.trigger === 'auto') {
    // Only the first release of a stored build is automatic, and only when the build asked for it.
    return stored && build.autoRelease ? start() : [];
  }
  if (stored || build.status === BuildStatus.Approved) return start();
  if (build.status === BuildStatus.Distributing) return [];
  throw new IllegalTransition(`cannot distribute build ${build.uploadId}: it is ${build.status}`);
}

/** Order of the pipeline, used to tell "already done" (no-op) from "not yet possible" (a bug or a bad request). */
const ORDER: BuildStatus[] = [
  BuildStatus.Pending,
  BuildStatus.Downloading,
  BuildStatus.Scanning,
  BuildStatus.Saving,
  BuildStatus.Distributing,
  BuildStatus.Approved,
];

function alreadyPast(build: ExistingBuild, target: BuildStatus, command: string, finishing = false): BuildEvent[] {
  if (build.status === BuildStatus.Rejected) return [];
  const at = ORDER.indexOf(build.status);
  const want = ORDER.indexOf(target);
  if (at > want || (at === want && (finishing ? build.stageDone : true))) return [];
  throw new IllegalTransition(`${command}: build ${build.uploadId} is ${build.status}`);
}

/**
 * A build that fails now: rejected, unless it was approved in an earlier round — then only this round failed
 * (RedistributionFailed) and it goes back to Approved, not live.
 */
function failed(build: ExistingBuild, code: ObjectionCode, reason: string, at: string): BuildRejected | RedistributionFailed {
  if (!build.approvedBefore) return rejected(build, code, reason, at);
  return {
    type: 'RedistributionFailed',
    data: { uploadId: build.uploadId, projectId: build.projectId, round: build.round, code, objection: objectionFor(code), reason, at },
  };
}

function rejected(build: ExistingBuild, code: ObjectionCode, reason: string, at: string): BuildRejected {
  return {
    type: 'BuildRejected',
    data: {
      uploadId: build.uploadId,
      projectId: build.projectId,
      stage: build.status,
      code,
      objection: objectionFor(code),
      reason,
      at,
    },
  };
}

export function evolveBuild(build: Build, event: BuildEvent): Build {
  if (event.type === 'BuildQueued') {
    const d = event.data;
    return {
      exists: true,
      uploadId: d.uploadId,
      projectId: d.projectId,
      userId: d.userId,
      fileUrl: d.fileUrl,
      region: d.region,
      autoRelease: d.autoRelease,
      maxBuildBytes: d.maxBuildBytes ?? null,
      declared: { sha256: d.declaredSha256, size: d.declaredSize },
      status: BuildStatus.Pending,
      stageDone: false,
      archive: null,
      scan: null,
      stored: null,
      round: 0,
      readyWorkers: [],
      quorum: null,
      deadline: null,
      rejection: null,
      approvedBefore: false,
      tag: null,
      copiedFrom: d.copiedFrom ?? null,
      deleted: false,
      archived: false,
      retrieving: false,
    };
  }
  if (!build.exists) return build;
  switch (event.type) {
    case 'DownloadStarted':
      return { ...build, status: BuildStatus.Downloading, stageDone: false };
    case 'DownloadCompleted':
      return { ...build, archive: event.data.archive, stageDone: true };
    case 'ScanStarted':
      return { ...build, status: BuildStatus.Scanning, stageDone: false };
    case 'ScanPassed':
      return { ...build, scan: event.data.report, stageDone: true };
    case 'SavingStarted':
      return { ...build, status: BuildStatus.Saving, stageDone: false };
    case 'BuildStored':
      return { ...build, stored: event.data.stored, stageDone: true };
    case 'DistributionStarted':
      return {
        ...build,
        status: BuildStatus.Distributing,
        stageDone: false,
        round: event.data.round,
        readyWorkers: [],
        retrieving: false,
        quorum: event.data.quorum ?? null,
        deadline: event.data.deadline ?? null,
      };
    case 'BuildReadyOnWorker':
      return { ...build, readyWorkers: [...build.readyWorkers, event.data.workerId] };
    case 'BuildApproved':
      return { ...build, status: BuildStatus.Approved, stageDone: true, approvedBefore: true };
    case 'RedistributionFailed':
      // Back where it was before the round: approved, at rest (a retrieval that failed is over too).
      return { ...build, status: BuildStatus.Approved, stageDone: true, retrieving: false };
    case 'BuildRejected':
      return {
        ...build,
        status: BuildStatus.Rejected,
        stageDone: true,
        rejection: { code: event.data.code, objection: event.data.objection, reason: event.data.reason },
      };
    case 'BuildTagged':
      return { ...build, tag: event.data.tag };
    case 'BuildDeleted':
      return { ...build, deleted: true };
    case 'BuildArchived':
      return { ...build, archived: true };
    case 'BuildRetrievalStarted':
      return { ...build, status: BuildStatus.Downloading, stageDone: false, retrieving: true };
    case 'BuildRetrieved':
      return { ...build, archived: false, stageDone: true };
    default:
      return assertNever(event);
  }
}

export const buildDecider: Decider<BuildCommand, BuildEvent, Build> = {
  decide: decideBuild,
  evolve: evolveBuild,
  initialState: noBuild,
};
