import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  HangarError,
  Subjects,
  WORKER_HEARTBEAT_INTERVAL_MS,
  type BuildDeleted,
  type DistributeBuild,
  type PublishedEvent,
  type RegionBuildsQuery,
  type WorkerBuildFailed,
  type WorkerBuildReady,
  type WorkerHeartbeat,
} from '@hangar/contracts';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { MESSAGE_BUS, type MessageBus, type Subscription } from '@hangar/bus';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { BuildMaterializer } from './build-materializer';
import { SanityCheckRunner } from './sanity-check-runner';

/** Waits between attempts to catch up while nobody answers (the query service starting, or restarting). */
const CATCH_UP_RETRY_MS = [1000, 2000, 5000, 10_000];

export const WORKER_IDENTITY = Symbol('WORKER_IDENTITY');

export class WorkerStopping extends HangarError {
  readonly code = 'WORKER_STOPPING';
  constructor(uploadId: string) {
    super(`worker agent stopping while checking build ${uploadId}`);
  }
}
export interface WorkerIdentity {
  id: string;
  region: string;
  dir: string;
  capacity: number;
  /** Bytes of build folders kept (`HANGAR_WORKER_CACHE_BYTES`). */
  cacheBytes: number;
  /** Where the downloader extracts builds' files on this filesystem, if it does (`HANGAR_LOCAL_EXTRACTION`). */
  extractionRoot?: string | null;
}

/**
 * The agent on a GPU streaming machine: announces itself by heartbeat, takes the distributions of its region (its
 * own durable consumer, so it misses none while down), materialises each build, runs the sanity check and reports
 * the build ready or failed. A worker new to its region starts with the distributions published from then on, not
 * the region's history: it catches up by asking for the builds it must serve now (each project's live build, and
 * any being distributed).
 */
@Injectable()
export class WorkerAgent implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly materializer: BuildMaterializer;
  private readonly sanityChecks = new SanityCheckRunner();
  private heartbeat: NodeJS.Timeout | null = null;
  private subscription: Subscription | null = null;
  private deletions: Subscription | null = null;
  private stopped = false;
  /** One distribution of a build at a time here: the catch-up and the consumer may both bring the same one. */
  private readonly distributing = new Map<string, Promise<void>>();

  constructor(
    @Inject(WORKER_IDENTITY) private readonly identity: WorkerIdentity,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(BLOB_STORE) blobs: BlobStore,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {
    this.logger = new Logger(`WorkerAgent ${identity.id}`);
    this.materializer = new BuildMaterializer(blobs, identity.dir, { cacheBytes: identity.cacheBytes, extractionRoot: identity.extractionRoot });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.materializer.start();
    // Subscribed before asking: a distribution published in between comes through the consumer.
    this.subscription = await this.bus.subscribe<DistributeBuild>(
      Subjects.distributeToRegion(this.identity.region),
      { group: `worker-${this.identity.id}`, startAt: 'new' },
      async ({ data }) => this.distribute(data),
    );
    // Every worker hears of every deletion (a group of its own): a deleted build's folder goes from each machine.
    this.deletions = await this.bus.subscribe<PublishedEvent<'BuildDeleted', BuildDeleted['data']>>(
      Subjects.buildEvent('BuildDeleted'),
      { group: `worker-${this.identity.id}-deletions`, startAt: 'new' },
      async ({ data }) => {
        if (await this.materializer.forget(data.data.uploadId)) this.logger.log(`build ${data.data.uploadId} was deleted: its folder is removed`);
      },
    );
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), WORKER_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    void this.catchUp();
  }

  /** The builds this region serves now, each materialised and reported as a distribution would be. */
  private async catchUp(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const builds = await this.bus.request<RegionBuildsQuery, DistributeBuild[]>(Subjects.query('region.builds'), { region: this.identity.region });
        for (const build of builds) {
          if (this.stopped) return;
          await this.distribute(build).catch((error) => this.logger.warn(`catching up with build ${build.uploadId} failed: ${(error as Error).message}`));
        }
        return;
      } catch (error) {
        this.logger.warn(`cannot catch up with region ${this.identity.region} yet: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, CATCH_UP_RETRY_MS[Math.min(attempt, CATCH_UP_RETRY_MS.length - 1)]));
      }
    }
  }

  private async beat(): Promise<void> {
    const heartbeat: WorkerHeartbeat = { workerId: this.identity.id, region: this.identity.region, capacity: this.identity.capacity, at: new Date().toISOString() };
    await this.bus.broadcast(Subjects.workerHeartbeat, heartbeat).catch((error) => this.logger.warn(`heartbeat failed: ${(error as Error).message}`));
  }

  private async distribute(command: DistributeBuild): Promise<void> {
    const previous = this.distributing.get(command.uploadId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.materializeAndCheck(command));
    this.distributing.set(command.uploadId, next);
    try {
      await next;
    } finally {
      if (this.distributing.get(command.uploadId) === next) this.distributing.delete(command.uploadId);
    }
  }

  private async materializeAndCheck(command: DistributeBuild): Promise<void> {
    const dir = await this.materializer.materialize(command.manifestKey);
    const report = { workerId: this.identity.id, region: this.identity.region, uploadId: command.uploadId, projectId: command.projectId, round: command.round };
    const id = `${this.identity.id}.${command.uploadId}.${command.round}`;
    const check = command.sanityCheck ?? this.config.sanityCheck;
    const verdict = check ? await this.sanityChecks.run(check, dir, command.executable) : ({ passed: true } as const);
    // A check ended by the agent's own shutdown says nothing of the build: the distribution comes back at the next start.
    if (this.stopped) throw new WorkerStopping(command.uploadId);
    if (!verdict.passed) {
      this.logger.warn(`build ${command.uploadId} failed its sanity check: ${verdict.reason}`);
      const failed: WorkerBuildFailed = { ...report, reason: verdict.reason };
      await this.bus.publish(Subjects.workerBuildFailed, failed, { id: `${id}.failed` });
      return;
    }
    this.logger.log(`build ${command.uploadId} ready in ${dir}`);
    const ready: WorkerBuildReady = report;
    await this.bus.publish(Subjects.workerBuildReady, ready, { id });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.sanityChecks.stopAll();
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.subscription?.close();
    await this.deletions?.close();
  }
}
