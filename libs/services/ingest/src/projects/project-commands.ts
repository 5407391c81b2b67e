import { Inject, Injectable } from '@nestjs/common';
import {
  ALL_WEBHOOK_EVENTS,
  Forbidden,
  InvalidInput,
  ProjectNotFound,
  isObjectId,
  projectStreamName,
  type CreateProjectBody,
  type ProjectEvent,
  type ProjectView,
  type UpdateProjectBody,
} from '@hangar/contracts';
import {
  CLOCK,
  ID_GENERATOR,
  WEBHOOK_SECRET_VAULT,
  WebhookSecretVault,
  handleCommand,
  loadState,
  type Clock,
  type HandledCommand,
  type IdGenerator,
} from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { projectDecider, type ExistingProject, type Project } from '@hangar/domain';
import { assertFetchableUrl } from '@hangar/egress';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import type { Caller } from '../auth/authenticator';

@Injectable()
export class ProjectCommands {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(WEBHOOK_SECRET_VAULT) private readonly vault: WebhookSecretVault,
  ) {}

  async create(caller: Caller, body: CreateProjectBody): Promise<ProjectView> {
    if (!this.config.regions.includes(body.region)) {
      throw new InvalidInput(`region must be one of ${this.config.regions.join(', ')}`);
    }
    if (body.webhookUrl) await this.checkWebhookUrl(body.webhookUrl);
    const projectId = this.ids.objectId();
    const secret = this.vault.newSecret();
    const handled = await handleCommand(
      this.store,
      projectStreamName(projectId),
      projectDecider,
      {
        type: 'CreateProject',
        projectId,
        ownerId: caller.userId,
        name: body.name,
        region: body.region,
        webhookUrl: body.webhookUrl ?? null,
        webhookEvents: body.webhookEvents ?? [...ALL_WEBHOOK_EVENTS],
        autoRelease: body.autoRelease ?? true,
        ...(body.maxBuildBytes === undefined ? {} : { maxBuildBytes: body.maxBuildBytes }),
        ...(body.sanityCheck === undefined ? {} : { sanityCheck: body.sanityCheck }),
        sealedWebhookSecret: this.vault.seal(secret),
        at: this.clock.now().toISOString(),
      },
      { actor: `user:${caller.userId}`, correlationId: projectId },
    );
    return this.viewShowingNewSecret(handled, secret);
  }

  async update(caller: Caller, projectId: string, body: UpdateProjectBody): Promise<ProjectView> {
    await this.owned(caller, projectId);
    if (body.webhookUrl) await this.checkWebhookUrl(body.webhookUrl);
    const secret = this.vault.newSecret();
    const handled = await handleCommand(
      this.store,
      projectStreamName(projectId),
      projectDecider,
      { type: 'ChangeProjectSettings', ...body, sealedWebhookSecret: this.vault.seal(secret), at: this.clock.now().toISOString() },
      { actor: `user:${caller.userId}`, correlationId: projectId },
    );
    return this.viewShowingNewSecret(handled, secret);
  }

  /** A new signing secret; the previous one keeps signing during the overlap (`HANGAR_WEBHOOK_SECRET_OVERLAP_SECONDS`). */
  async rotateWebhookSecret(caller: Caller, projectId: string): Promise<ProjectView> {
    await this.owned(caller, projectId);
    const secret = this.vault.newSecret();
    const handled = await handleCommand(
      this.store,
      projectStreamName(projectId),
      projectDecider,
      { type: 'RotateWebhookSecret', sealedWebhookSecret: this.vault.seal(secret), at: this.clock.now().toISOString() },
      { actor: `user:${caller.userId}`, correlationId: projectId },
    );
    return this.viewShowingNewSecret(handled, secret);
  }

  /** The secret is shown once, by the call that issued it (the decider uses the offered one only when it is needed). */
  private viewShowingNewSecret(handled: HandledCommand<Project, ProjectEvent>, secret: string): ProjectView {
    const view = projectView(handled.state as ExistingProject, this.clock.now().toISOString());
    return handled.appended.some((e) => e.type === 'WebhookSecretIssued') ? { ...view, webhookSecret: secret } : view;
  }

  /** The project, if the caller owns it: 404 when it does not exist, 403 when it is someone else's. */
  async owned(caller: Caller, projectId: string): Promise<ExistingProject> {
    if (!isObjectId(projectId)) throw new ProjectNotFound(projectId);
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
    if (!project.exists) throw new ProjectNotFound(projectId);
    if (project.ownerId !== caller.userId) throw new Forbidden('Forbidden: project does not belong to this user');
    return project;
  }

  private async checkWebhookUrl(url: string): Promise<void> {
    try {
      await assertFetchableUrl(url, { allowPrivateNetworks: this.config.allowPrivateNetworks });
    } catch (error) {
      throw new InvalidInput(`webhookUrl refused: ${(error as Error).message}`);
    }
  }
}

export function projectView(p: ExistingProject, updatedAt: string): ProjectView {
  return {
    id: p.projectId,
    name: p.name,
    region: p.region,
    ownerId: p.ownerId,
    webhookUrl: p.webhookUrl,
    webhookEvents: p.webhookEvents,
    autoRelease: p.autoRelease,
    maxBuildBytes: p.maxBuildBytes,
    sanityCheck: p.sanityCheck,
    liveUploadId: p.liveUploadId,
    createdAt: p.createdAt,
    updatedAt,
  };
}
