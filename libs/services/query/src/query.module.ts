import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { MESSAGE_BUS, type MessageBus, type Subscription } from '@hangar/bus';
import { Subjects, type BuildProgress } from '@hangar/contracts';
import { StateAsOf } from './as-of/state-as-of';
import { BuildProgressBoard } from './progress/build-progress-board';
import { ReadModelStore } from './read-model/read-model-store';
import { ProjectionRunner } from './projection/projection-runner';
import { QueryController } from './queries/query.controller';

/** Where this query instance keeps its read models (each copy of the query service has its own). */
export function readModelPath(config: HangarConfig): string {
  const dir = join(config.dataDir, 'query');
  mkdirSync(dir, { recursive: true });
  return process.env.HANGAR_QUERY_DB || join(dir, 'read-models.sqlite');
}

@Module({
  controllers: [QueryController],
  providers: [
    BuildProgressBoard,
    { provide: StateAsOf, inject: [EVENT_STORE], useFactory: (store: EventStore) => new StateAsOf(store) },
    { provide: ReadModelStore, inject: [HANGAR_CONFIG], useFactory: (config: HangarConfig) => new ReadModelStore(readModelPath(config)) },
    {
      provide: ProjectionRunner,
      inject: [EVENT_STORE, ReadModelStore],
      useFactory: (store: EventStore, readModels: ReadModelStore) =>
        new ProjectionRunner(store, readModels, (error) => console.error('query projection stopped:', error)),
    },
  ],
})
export class QueryModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private progressListener: Subscription | null = null;

  constructor(
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
    @Inject(ReadModelStore) private readonly readModels: ReadModelStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(BuildProgressBoard) private readonly progress: BuildProgressBoard,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.runner.start();
    this.progressListener = await this.bus.listen<BuildProgress>(Subjects.allBuildProgress, (progress) => this.progress.record(progress));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.progressListener?.close();
    await this.runner.stop();
    this.readModels.close();
  }
}
