import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Subjects, buildStreamName, projectStreamName, type ArchiveCandidatesQuery, type BuildEvent, type ProjectEvent } from '@hangar/contracts';
import { CLOCK, handleCommand, loadState, type Clock } from '@hangar/application';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, projectDecider, type Build, type Project } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { ChunkCollection } from '../chunk-collection';
import { ColdStorage } from './cold-storage';

/** Builds moved per sweep at most: a backlog moves over several sweeps rather than in one long one. */
const BUILDS_PER_SWEEP = 20;

/**
 * Every `HANGAR_ARCHIVE_SWEEP_SECONDS`, moves the builds that have not been live (nor changed) for
 * `HANGAR_ARCHIVE_AFTER_SECONDS` to cold storage: the query service names candidates, the decider has the last word
 * (ArchiveBuild: not live, at rest, not archived) after the copy, and only then does the hot manifest go.
 */
@Injectable()
export class ArchiveSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ArchiveSweep');
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(ColdStorage) private readonly coldStorage: ColdStorage,
    @Inject(ChunkCollection) private readonly collection: ChunkCollection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.archive.afterMs === null) return;
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error) => this.logger.warn(`archive sweep failed: ${(error as Error).message}`))
        .finally(() => (this.sweeping = null));
    }, this.config.archive.sweepMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    const idleBefore = new Date(this.clock.now().getTime() - this.config.archive.afterMs!).toISOString();
    const candidates = await this.bus.request<ArchiveCandidatesQuery, string[]>(Subjects.query('archive.candidates'), { idleBefore, limit: BUILDS_PER_SWEEP });
    let moved = 0;
    for (const uploadId of candidates) if (await this.archive(uploadId)) moved++;
    if (moved) this.collection.request();
  }

  private async archive(uploadId: string): Promise<boolean> {
    const stream = buildStreamName(uploadId);
    const build = await loadState<BuildEvent, Build>(this.store, stream, buildDecider);
    if (!build.exists || build.deleted || build.archived || !build.stored) return false;
    const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(build.projectId), projectDecider);
    const live = project.exists && project.liveUploadId === uploadId;
    if (live || !(await this.coldStorage.copyToCold(build.stored.manifestKey))) return false;
    const { appended, state } = await handleCommand(
      this.store,
      stream,
      buildDecider,
      { type: 'ArchiveBuild', live, coldManifestKey: this.coldStorage.coldManifestKey(uploadId), at: this.clock.now().toISOString() },
      { actor: 'service:repository', correlationId: uploadId },
    );
    if (appended.length) {
      await this.coldStorage.removeHotManifest(build.stored.manifestKey);
      this.logger.log(`build ${uploadId} moved to cold storage`);
      return true;
    }
    // Set live (or archived by another repository) meanwhile: the cold copy is not needed, unless it is the archive.
    if (state.exists && !state.archived) await this.coldStorage.dropColdCopy(uploadId);
    return false;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }
}
