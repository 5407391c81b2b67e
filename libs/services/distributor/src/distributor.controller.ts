import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import {
  BuildStatus,
  Subjects,
  buildStreamName,
  projectStreamName,
  type BuildApproved,
  type BuildEvent,
  type BuildStored,
  type DistributeBuild,
  type DistributionStarted,
  type PublishedEvent,
  type WorkerBuildReady,
} from '@hangar/contracts';
import { CLOCK, causedBy, handleCommand, loadState, type Clock } from '@hangar/application';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, projectDecider, type Build } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { WorkerRegistry } from './worker-registry';

/** Distribute: hand a stored build to the worker agents of its project's region, approve it once they have it. */
@Controller()
export class DistributorController {
  private readonly logger = new Logger('Distributor');
  private readonly deadlines = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(WorkerRegistry) private readonly workers: WorkerRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {}

  /** autoRelease: a stored build goes out on its own (the decider says no when the build is held). */
  @EventPattern(Subjects.buildEvent('BuildStored'))
  async onBuildStored(event: PublishedEvent<'BuildStored', BuildStored['data']>): Promise<void> {
    await handleCommand(this.store, buildStreamName(event.data.uploadId), buildDecider, { type: 'StartDistribution', trigger: 'auto', at: this.now() }, causedBy(event, 'distributor'));
  }

  // Several at once: a distribution may wait (up to the timeout) for a worker of its region to appear.
  @EventPattern(Subjects.buildEvent('DistributionStarted'), { concurrency: 8 })
  async onDistributionStarted(event: PublishedEvent<'DistributionStarted', DistributionStarted['data']>): Promise<void> {
    const { uploadId, projectId, region, round } = event.data;
    const stream = buildStreamName(uploadId);
    const metadata = causedBy(event, 'distributor');
    const build = await loadState<BuildEvent, Build>(this.store, stream, buildDecider);
    if (!build.exists || build.status !== BuildStatus.Distributing || build.round !== round || !build.stored) return;

    if (!(await this.workers.waitForWorker(region, this.config.distributionTimeoutMs))) {
      const reason = `no healthy worker agent in region ${region} within ${this.config.distributionTimeoutMs / 1000} s`;
      await handleCommand(this.store, stream, buildDecider, { type: 'RejectBuild', code: 'NO_WORKERS', reason, at: this.now() }, metadata);
      return;
    }
    const command: DistributeBuild = { uploadId, projectId, region, round, manifestKey: build.stored.manifestKey };
    await this.bus.publish(Subjects.distributeToRegion(region), command, { id: `${uploadId}.${round}` });
    this.watchDeadline(uploadId, round, metadata);
  }

  @EventPattern(Subjects.workerBuildReady)
  async onWorkerReady(ready: WorkerBuildReady): Promise<void> {
    await handleCommand(
      this.store,
      buildStreamName(ready.uploadId),
      buildDecider,
      { type: 'RecordWorkerReady', workerId: ready.workerId, round: ready.round, quorum: this.config.workerQuorum, at: this.now() },
      { actor: `worker:${ready.workerId}`, correlationId: ready.uploadId },
    );
  }

  /** Approved means live: one live build per project, the previous one becomes Archived. */
  @EventPattern(Subjects.buildEvent('BuildApproved'))
  async onBuildApproved(event: PublishedEvent<'BuildApproved', BuildApproved['data']>): Promise<void> {
    // Approved, then deleted before it went live: a deleted build is never served.
    const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(event.data.uploadId), buildDecider);
    if (build.exists && build.deleted) return;
    await handleCommand(
      this.store,
      projectStreamName(event.data.projectId),
      projectDecider,
      { type: 'SetLiveBuild', uploadId: event.data.uploadId, at: this.now() },
      causedBy(event, 'distributor'),
    );
  }

  /**
   * A distribution that the workers never confirm is rejected after the timeout, rather than left in Distribute.
   * (In memory: a distributor restart forgets it; the durable version belongs with worker health tracking.)
   */
  private watchDeadline(uploadId: string, round: number, metadata: ReturnType<typeof causedBy>): void {
    const timer = setTimeout(async () => {
      this.deadlines.delete(timer);
      const stream = buildStreamName(uploadId);
      const build = await loadState<BuildEvent, Build>(this.store, stream, buildDecider);
      if (!build.exists || build.status !== BuildStatus.Distributing || build.round !== round) return;
      const reason = `${build.readyWorkers.length} of ${this.config.workerQuorum} worker(s) reported the build ready within ${this.config.distributionTimeoutMs / 1000} s`;
      await handleCommand(this.store, stream, buildDecider, { type: 'RejectBuild', code: 'NO_WORKERS', reason, at: this.now() }, metadata).catch((error) =>
        this.logger.error(`could not reject build ${uploadId}: ${(error as Error).message}`),
      );
    }, this.config.distributionTimeoutMs);
    timer.unref();
    this.deadlines.add(timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.deadlines) clearTimeout(timer);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
