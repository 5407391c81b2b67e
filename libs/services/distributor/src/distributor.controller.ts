import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import {
  Subjects,
  buildStreamName,
  projectStreamName,
  type BuildApproved,
  type BuildEvent,
  type BuildRetrieved,
  type BuildStored,
  type DistributionStarted,
  type PublishedEvent,
  type WorkerBuildFailed,
  type WorkerBuildReady,
} from '@hangar/contracts';
import { CLOCK, causedBy, handleCommand, loadState, type Clock } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, projectDecider, type Build } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { OpenRounds } from './open-rounds';

/** Distribution rounds one distributor holds open at once (JetStream's max ack pending for the group). */
const OPEN_ROUNDS_PER_DISTRIBUTOR = 64;

/** Distribute: hand a stored build to the worker agents of its project's region, approve it once they have it. */
@Controller()
export class DistributorController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OpenRounds) private readonly rounds: OpenRounds,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {}

  /** autoRelease: a stored build goes out on its own (the decider says no when the build is held). */
  @EventPattern(Subjects.buildEvent('BuildStored'))
  async onBuildStored(event: PublishedEvent<'BuildStored', BuildStored['data']>): Promise<void> {
    await this.startDistribution(event);
  }

  /** Back from cold storage: the distribution a set-live asked for follows the retrieval. */
  @EventPattern(Subjects.buildEvent('BuildRetrieved'))
  async onBuildRetrieved(event: PublishedEvent<'BuildRetrieved', BuildRetrieved['data']>): Promise<void> {
    await this.startDistribution(event);
  }

  private async startDistribution(event: PublishedEvent<string, { uploadId: string }>): Promise<void> {
    const command = { type: 'StartDistribution', trigger: 'auto', policy: this.config.distribution, at: this.now() } as const;
    await handleCommand(this.store, buildStreamName(event.data.uploadId), buildDecider, command, causedBy(event, 'distributor'));
  }

  /**
   * Each round is held until it ends (see OpenRounds), so many at once: rounds waiting for workers of a region that
   * has none must not hold back the others.
   */
  @EventPattern(Subjects.buildEvent('DistributionStarted'), { concurrency: OPEN_ROUNDS_PER_DISTRIBUTOR })
  async onDistributionStarted(event: PublishedEvent<'DistributionStarted', DistributionStarted['data']>): Promise<void> {
    await this.rounds.hold(event.data, causedBy(event, 'distributor'));
  }

  @EventPattern(Subjects.workerBuildReady)
  async onWorkerReady(ready: WorkerBuildReady): Promise<void> {
    await handleCommand(
      this.store,
      buildStreamName(ready.uploadId),
      buildDecider,
      { type: 'RecordWorkerReady', workerId: ready.workerId, round: ready.round, quorum: this.config.distribution.quorum, at: this.now() },
      { actor: `worker:${ready.workerId}`, correlationId: ready.uploadId },
    );
  }

  /** One worker's failed sanity check fails the round: the build does not launch as it should. */
  @EventPattern(Subjects.workerBuildFailed)
  async onWorkerFailed(failed: WorkerBuildFailed): Promise<void> {
    await handleCommand(
      this.store,
      buildStreamName(failed.uploadId),
      buildDecider,
      { type: 'RecordWorkerValidationFailed', workerId: failed.workerId, round: failed.round, reason: failed.reason, at: this.now() },
      { actor: `worker:${failed.workerId}`, correlationId: failed.uploadId },
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

  private now(): string {
    return this.clock.now().toISOString();
  }
}
