import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  Subjects,
  WORKER_HEARTBEAT_INTERVAL_MS,
  type DistributeBuild,
  type WorkerBuildReady,
  type WorkerHeartbeat,
} from '@hangar/contracts';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { MESSAGE_BUS, type MessageBus, type Subscription } from '@hangar/bus';
import { BuildMaterializer } from './build-materializer';

export const WORKER_IDENTITY = Symbol('WORKER_IDENTITY');
export interface WorkerIdentity {
  id: string;
  region: string;
  dir: string;
  capacity: number;
  /** Bytes of build folders kept (`HANGAR_WORKER_CACHE_BYTES`). */
  cacheBytes: number;
}

/**
 * The agent on a GPU streaming machine: announces itself by heartbeat, takes every distribution of its region
 * (its own durable consumer, so it misses none while down), materialises the build and reports it ready.
 */
@Injectable()
export class WorkerAgent implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly materializer: BuildMaterializer;
  private heartbeat: NodeJS.Timeout | null = null;
  private subscription: Subscription | null = null;

  constructor(
    @Inject(WORKER_IDENTITY) private readonly identity: WorkerIdentity,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(BLOB_STORE) blobs: BlobStore,
  ) {
    this.logger = new Logger(`WorkerAgent ${identity.id}`);
    this.materializer = new BuildMaterializer(blobs, identity.dir, { cacheBytes: identity.cacheBytes });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe<DistributeBuild>(
      Subjects.distributeToRegion(this.identity.region),
      { group: `worker-${this.identity.id}` },
      async ({ data }) => this.distribute(data),
    );
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), WORKER_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  private async beat(): Promise<void> {
    const heartbeat: WorkerHeartbeat = { workerId: this.identity.id, region: this.identity.region, capacity: this.identity.capacity, at: new Date().toISOString() };
    await this.bus.broadcast(Subjects.workerHeartbeat, heartbeat).catch((error) => this.logger.warn(`heartbeat failed: ${(error as Error).message}`));
  }

  private async distribute(command: DistributeBuild): Promise<void> {
    const dir = await this.materializer.materialize(command.manifestKey);
    this.logger.log(`build ${command.uploadId} ready in ${dir}`);
    const ready: WorkerBuildReady = {
      workerId: this.identity.id,
      region: this.identity.region,
      uploadId: command.uploadId,
      projectId: command.projectId,
      round: command.round,
    };
    await this.bus.publish(Subjects.workerBuildReady, ready, { id: `${this.identity.id}.${command.uploadId}.${command.round}` });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.subscription?.close();
  }
}
