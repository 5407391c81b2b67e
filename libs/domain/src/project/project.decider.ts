import { IllegalTransition, InvalidInput, SANITY_CHECK_LIMITS, type ProjectEvent, type ProjectSettingsChanged, type SanityCheck } from '@hangar/contracts';
import { assertNever, type Decider } from '../decider/decider';
import type { ProjectCommand } from './project-commands';
import type { Project } from './project-state';

export function decideProject(command: ProjectCommand, project: Project): ProjectEvent[] {
  if (command.type === 'CreateProject') {
    if (project.exists) return [];
    if (command.webhookUrl && command.webhookEvents.length === 0) {
      // Streampixel: at least one event must be ticked while a URL is set.
      throw new InvalidInput('webhookEvents must select at least one event when webhookUrl is set');
    }
    if (command.maxBuildBytes !== undefined) assertSizeLimit(command.maxBuildBytes);
    const { type: _type, maxBuildBytes, sanityCheck, sealedWebhookSecret, ...rest } = command;
    const created: ProjectEvent = {
      type: 'ProjectCreated',
      data: {
        ...rest,
        ...(maxBuildBytes === undefined ? {} : { maxBuildBytes }),
        ...(sanityCheck === undefined ? {} : { sanityCheck: validSanityCheck(sanityCheck) }),
      },
    };
    return command.webhookUrl && sealedWebhookSecret
      ? [created, secretIssued(command.projectId, sealedWebhookSecret, command.at)]
      : [created];
  }
  if (!project.exists) throw new IllegalTransition(`${command.type}: project does not exist`);

  switch (command.type) {
    case 'ChangeProjectSettings': {
      const changed: ProjectSettingsChanged['data'] = { projectId: project.projectId, at: command.at };
      if (command.name !== undefined && command.name !== project.name) changed.name = command.name;
      if (command.webhookUrl !== undefined && command.webhookUrl !== project.webhookUrl) changed.webhookUrl = command.webhookUrl;
      if (command.webhookEvents !== undefined && !sameSet(command.webhookEvents, project.webhookEvents))
        changed.webhookEvents = [...command.webhookEvents];
      if (command.autoRelease !== undefined && command.autoRelease !== project.autoRelease) changed.autoRelease = command.autoRelease;
      if (command.maxBuildBytes !== undefined && command.maxBuildBytes !== project.maxBuildBytes) {
        if (command.maxBuildBytes !== null) assertSizeLimit(command.maxBuildBytes);
        changed.maxBuildBytes = command.maxBuildBytes;
      }
      if (command.sanityCheck !== undefined) {
        const check = command.sanityCheck === null ? null : validSanityCheck(command.sanityCheck);
        if (JSON.stringify(check) !== JSON.stringify(project.sanityCheck)) changed.sanityCheck = check;
      }
      const url = changed.webhookUrl !== undefined ? changed.webhookUrl : project.webhookUrl;
      const events = changed.webhookEvents ?? project.webhookEvents;
      if (url && events.length === 0) throw new InvalidInput('webhookEvents must select at least one event when webhookUrl is set');
      const settings: ProjectEvent[] = Object.keys(changed).length > 2 ? [{ type: 'ProjectSettingsChanged', data: changed }] : [];
      // The first URL gets a secret; a later URL change keeps the one the receiver already verifies with.
      const needsSecret = url && project.webhookSecrets.length === 0 && command.sealedWebhookSecret;
      return needsSecret ? [...settings, secretIssued(project.projectId, command.sealedWebhookSecret!, command.at)] : settings;
    }
    case 'RotateWebhookSecret':
      return [secretIssued(project.projectId, command.sealedWebhookSecret, command.at)];
    case 'SetLiveBuild':
      if (project.liveUploadId === command.uploadId) return [];
      return [
        {
          type: 'LiveBuildChanged',
          data: { projectId: project.projectId, uploadId: command.uploadId, previousUploadId: project.liveUploadId, at: command.at },
        },
      ];
    default:
      return assertNever(command);
  }
}

function secretIssued(projectId: string, sealedSecret: string, at: string): ProjectEvent {
  return { type: 'WebhookSecretIssued', data: { projectId, sealedSecret, at } };
}

/** A limit is a whole, positive number of bytes (the reference's 24 GB is a soft limit: a project may raise it). */
function assertSizeLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidInput('maxBuildBytes must be a whole number of bytes, at least 1');
}

/** A program to run and a bounded timeout; kept as plain data (the HTTP body may be a class instance). */
function validSanityCheck(check: SanityCheck): SanityCheck {
  const { command, timeoutSeconds } = check;
  if (!Array.isArray(command) || command.length === 0 || command.length > SANITY_CHECK_LIMITS.maxArguments) {
    throw new InvalidInput(`sanityCheck.command must be 1 to ${SANITY_CHECK_LIMITS.maxArguments} arguments`);
  }
  if (command.some((arg) => typeof arg !== 'string' || arg.length === 0 || arg.length > SANITY_CHECK_LIMITS.maxArgumentLength)) {
    throw new InvalidInput(`sanityCheck.command arguments must be 1 to ${SANITY_CHECK_LIMITS.maxArgumentLength} characters`);
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > SANITY_CHECK_LIMITS.maxTimeoutSeconds) {
    throw new InvalidInput(`sanityCheck.timeoutSeconds must be 1 to ${SANITY_CHECK_LIMITS.maxTimeoutSeconds}`);
  }
  return { command: [...command], timeoutSeconds };
}

function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function evolveProject(project: Project, event: ProjectEvent): Project {
  switch (event.type) {
    case 'ProjectCreated': {
      const { at, ...d } = event.data;
      return { exists: true, ...d, maxBuildBytes: d.maxBuildBytes ?? null, sanityCheck: d.sanityCheck ?? null, createdAt: at, liveUploadId: null, liveHistory: [], webhookSecrets: [] };
    }
    case 'ProjectSettingsChanged': {
      if (!project.exists) return project;
      const { at: _at, projectId: _id, ...changes } = event.data;
      return { ...project, ...changes };
    }
    case 'LiveBuildChanged':
      if (!project.exists) return project;
      return { ...project, liveUploadId: event.data.uploadId, liveHistory: [...project.liveHistory, event.data.uploadId] };
    case 'WebhookSecretIssued': {
      if (!project.exists) return project;
      const issued = { sealedSecret: event.data.sealedSecret, issuedAt: event.data.at };
      return { ...project, webhookSecrets: [issued, ...project.webhookSecrets].slice(0, 2) };
    }
    default:
      return assertNever(event);
  }
}

export const projectDecider: Decider<ProjectCommand, ProjectEvent, Project> = {
  decide: decideProject,
  evolve: evolveProject,
  initialState: { exists: false },
};
