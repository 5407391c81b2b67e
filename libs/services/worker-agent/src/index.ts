export * from './worker-agent.module';
export { type WorkerIdentity } from './worker-agent';
export { BuildMaterializer } from './build-materializer';
