import { Inject, Injectable } from '@nestjs/common';
import {
  BuildNotFound,
  BuildStatus,
  Forbidden,
  IllegalTransition,
  InvalidInput,
  buildStreamName,
  isObjectId,
  type BuildEvent,
  type EventMetadata,
} from '@hangar/contracts';
import { CLOCK, ID_GENERATOR, handleCommand, loadState, type Clock, type IdGenerator } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, type Build, type ExistingBuild, type ExistingProject } from '@hangar/domain';
import { assertFetchableUrl } from '@hangar/egress';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import type { Caller } from '../auth/authenticator';
import { ProjectCommands } from '../projects/project-commands';

@Injectable()
export class BuildCommands {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
  ) {}

  /**
   * upload-file: accept a build by URL. `autoRelease` absent means the project's toggle decides; `declared` is what
   * the uploader says the zip is (SHA-256, size), checked by the downloader.
   */
  async queue(
    caller: Caller,
    projectId: string,
    fileUrl: string,
    autoRelease: boolean | undefined,
    declared: { sha256?: string; size?: number } = {},
  ): Promise<string> {
    const project = await this.projects.owned(caller, projectId);
    try {
      await assertFetchableUrl(fileUrl, { allowPrivateNetworks: this.config.allowPrivateNetworks });
    } catch (error) {
      throw new InvalidInput(`fileUrl refused: ${(error as Error).message}`);
    }
    const uploadId = this.ids.objectId();
    await handleCommand(
      this.store,
      buildStreamName(uploadId),
      buildDecider,
      {
        type: 'QueueBuild',
        uploadId,
        projectId,
        userId: caller.userId,
        fileUrl,
        autoRelease: autoRelease ?? project.autoRelease,
        region: project.region,
        maxBuildBytes: project.maxBuildBytes ?? this.config.maxBuildBytes,
        ...(declared.sha256 === undefined ? {} : { declaredSha256: declared.sha256.toLowerCase() }),
        ...(declared.size === undefined ? {} : { declaredSize: declared.size }),
        at: this.clock.now().toISOString(),
      },
      { actor: `user:${caller.userId}`, correlationId: uploadId },
    );
    return uploadId;
  }

  /** distribute-file: release a stored build, or distribute an approved one again (rollback). */
  async distribute(caller: Caller, projectId: string, uploadId: string): Promise<void> {
    await this.projects.owned(caller, projectId);
    if (!isObjectId(uploadId)) throw new BuildNotFound(uploadId);
    const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(uploadId), buildDecider);
    if (!build.exists || build.projectId !== projectId) throw new BuildNotFound(uploadId);
    await handleCommand(
      this.store,
      buildStreamName(uploadId),
      buildDecider,
      { type: 'StartDistribution', trigger: 'manual', policy: this.config.distribution, at: this.clock.now().toISOString() },
      { actor: `user:${caller.userId}`, correlationId: uploadId },
    );
  }

  /**
   * Set live (or roll back): an approved build is distributed again and becomes live once approved (the distributor
   * appends LiveBuildChanged); a stored build held by autoRelease off is released. The live build stays as it is.
   */
  async setLive(caller: Caller, uploadId: string): Promise<void> {
    const { build, project } = await this.ownedBuild(caller, uploadId);
    assertNotDeleted(build);
    if (project.liveUploadId === uploadId) return;
    await handleCommand(this.store, buildStreamName(uploadId), buildDecider, { type: 'StartDistribution', trigger: 'manual', policy: this.config.distribution, at: this.now() }, this.by(caller, uploadId));
  }

  async tag(caller: Caller, uploadId: string, tag: string | null): Promise<void> {
    const { build } = await this.ownedBuild(caller, uploadId);
    assertNotDeleted(build);
    await handleCommand(this.store, buildStreamName(uploadId), buildDecider, { type: 'TagBuild', tag, at: this.now() }, this.by(caller, uploadId));
  }

  /** Deleting twice is not an error: the second decides nothing. */
  async delete(caller: Caller, uploadId: string): Promise<void> {
    const { project } = await this.ownedBuild(caller, uploadId);
    // A build approved at this very moment may still be made live after its deletion is appended; the distributor
    // checks for that (onBuildApproved) and does not make a deleted build live.
    const live = project.liveUploadId === uploadId;
    await handleCommand(this.store, buildStreamName(uploadId), buildDecider, { type: 'DeleteBuild', live, at: this.now() }, this.by(caller, uploadId));
  }

  /**
   * Copy a stored (or approved) build to another of the caller's projects: a new build there, queued with the
   * source's archive, report and manifest, whose stages then complete at once (so its webhooks fire as for an upload).
   */
  async copy(caller: Caller, uploadId: string, targetProjectId: string, autoRelease?: boolean): Promise<string> {
    const { build } = await this.ownedBuild(caller, uploadId);
    assertNotDeleted(build);
    const stored = build.stored !== null && build.status !== BuildStatus.Rejected;
    if (!stored || !build.archive || !build.scan || !build.stored) throw new IllegalTransition(`cannot copy build ${uploadId}: it is ${build.status}, not stored yet`);
    if (build.archived) throw new IllegalTransition(`cannot copy build ${uploadId}: it is in cold storage (set it live to retrieve it)`);
    const target = await this.projects.owned(caller, targetProjectId);
    const copyId = this.ids.objectId();
    await handleCommand(
      this.store,
      buildStreamName(copyId),
      buildDecider,
      {
        type: 'QueueBuild',
        uploadId: copyId,
        projectId: target.projectId,
        userId: caller.userId,
        fileUrl: build.fileUrl,
        autoRelease: autoRelease ?? target.autoRelease,
        region: target.region,
        maxBuildBytes: target.maxBuildBytes ?? this.config.maxBuildBytes,
        copiedFrom: { uploadId, archive: build.archive, report: build.scan, manifestKey: build.stored.manifestKey },
        at: this.now(),
      },
      this.by(caller, copyId),
    );
    return copyId;
  }

  /** The build, if it belongs to one of the caller's projects: another user's build is as unknown as a missing one. */
  private async ownedBuild(caller: Caller, uploadId: string): Promise<{ build: ExistingBuild; project: ExistingProject }> {
    if (!isObjectId(uploadId)) throw new BuildNotFound(uploadId);
    const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(uploadId), buildDecider);
    if (!build.exists) throw new BuildNotFound(uploadId);
    try {
      return { build, project: await this.projects.owned(caller, build.projectId) };
    } catch (error) {
      if (error instanceof Forbidden) throw new BuildNotFound(uploadId);
      throw error;
    }
  }

  private by(caller: Caller, uploadId: string): EventMetadata {
    return { actor: `user:${caller.userId}`, correlationId: uploadId };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function assertNotDeleted(build: ExistingBuild): void {
  if (build.deleted) throw new IllegalTransition(`build ${build.uploadId} was deleted`);
}
