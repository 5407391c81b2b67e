import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Subjects, WORKER_HEARTBEAT_INTERVAL_MS, type WorkerHeartbeat } from '@hangar/contracts';
import { MESSAGE_BUS, type MessageBus, type Subscription } from '@hangar/bus';

const HEALTHY_WITHIN_MS = 3 * WORKER_HEARTBEAT_INTERVAL_MS + 500;

/** Which worker agents are alive, per region, from their heartbeats (every distributor copy hears them all). */
@Injectable()
export class WorkerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly lastSeen = new Map<string, { heartbeat: WorkerHeartbeat; at: number }>();
  private subscription: Subscription | null = null;

  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.listen<WorkerHeartbeat>(Subjects.workerHeartbeat, (heartbeat) => {
      this.lastSeen.set(heartbeat.workerId, { heartbeat, at: Date.now() });
    });
  }

  healthy(region: string): WorkerHeartbeat[] {
    const now = Date.now();
    return [...this.lastSeen.values()].filter((w) => w.heartbeat.region === region && now - w.at <= HEALTHY_WITHIN_MS).map((w) => w.heartbeat);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
