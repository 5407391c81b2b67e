import { Module, type DynamicModule } from '@nestjs/common';
import { WORKER_IDENTITY, WorkerAgent, type WorkerIdentity } from './worker-agent';

@Module({})
export class WorkerAgentModule {
  static forWorker(identity: WorkerIdentity): DynamicModule {
    return { module: WorkerAgentModule, providers: [{ provide: WORKER_IDENTITY, useValue: identity }, WorkerAgent] };
  }
}
