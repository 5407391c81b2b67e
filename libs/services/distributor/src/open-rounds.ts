import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  BuildStatus,
  HangarError,
  Subjects,
  buildStreamName,
  projectStreamName,
  type BuildEvent,
  type ProjectEvent,
  type DistributeBuild,
  type DistributionStarted,
  type EventMetadata,
} from '@hangar/contracts';
import { CLOCK, handleCommand, loadState, type Clock } from '@hangar/application';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { buildDecider, projectDecider, type Build, type ExistingBuild, type Project } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { WorkerRegistry } from './worker-registry';

/** How often a held round looks at its build: the end of a round is noticed this late at most. */
const CHECK_EVERY_MS = 1000;

/** The distributor is shutting down: the round's message goes back to the bus, for the next distributor to hold. */
export class DistributorStopping extends HangarError {
  readonly code = 'DISTRIBUTOR_STOPPING';
  constructor(uploadId: string) {
    super(`distributor stopping while build ${uploadId} is distributed`);
  }
}

/**
 * A distribution round from its start to its end (approved, rejected, replaced by a later round, deleted). The
 * DistributionStarted message is held (not acknowledged) for the whole round, so the bus is the durable schedule: a
 * distributor that restarts or crashes gets the message again and goes on with the deadline recorded in the round.
 * While held, the round is sent to the region's worker agents as soon as one is healthy, and expired at its deadline.
 */
@Injectable()
export class OpenRounds implements OnApplicationShutdown {
  private stopping = false;
  private readonly wakeups = new Set<() => void>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(WorkerRegistry) private readonly workers: WorkerRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {}

  /** Resolves when the round has ended; rejects (for a redelivery) when the distributor stops first. */
  async hold(started: DistributionStarted['data'], metadata: EventMetadata): Promise<void> {
    const { uploadId, projectId, region, round } = started;
    const stream = buildStreamName(uploadId);
    // Rounds started before they recorded a deadline take the configured timeout from their start.
    const deadline = started.deadline ?? new Date(Date.parse(started.at) + this.config.distribution.timeoutMs).toISOString();
    let sent = false;
    for (;;) {
      if (this.stopping) throw new DistributorStopping(uploadId);
      const build = await loadState<BuildEvent, Build>(this.store, stream, buildDecider);
      if (!isOpen(build, round)) return;
      const healthy = this.workers.healthy(region).length;
      if (this.clock.now().getTime() >= Date.parse(deadline)) {
        const expire = { type: 'ExpireDistribution', round, healthyWorkers: healthy, deadline, at: this.clock.now().toISOString() } as const;
        await handleCommand(this.store, stream, buildDecider, expire, metadata);
        continue;
      }
      if (!sent && healthy > 0) {
        const project = await loadState<ProjectEvent, Project>(this.store, projectStreamName(projectId), projectDecider);
        const command: DistributeBuild = {
          uploadId,
          projectId,
          region,
          round,
          manifestKey: build.stored!.manifestKey,
          ...(build.scan ? { executable: build.scan.executable } : {}),
          sanityCheck: project.exists ? project.sanityCheck : null,
        };
        await this.bus.publish(Subjects.distributeToRegion(region), command, { id: `${uploadId}.${round}` });
        sent = true;
      }
      await this.pause(Math.min(CHECK_EVERY_MS, Math.max(0, Date.parse(deadline) - this.clock.now().getTime())));
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeups.add(wake);
    });
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    for (const wake of [...this.wakeups]) wake();
  }
}

function isOpen(build: Build, round: number): build is ExistingBuild {
  return build.exists && !build.deleted && build.status === BuildStatus.Distributing && build.round === round && build.stored !== null;
}
