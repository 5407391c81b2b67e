export * from './service-catalog';
export * from './service-runner';
export * from './embedded-hangar';
export * from './distributed-service';
export * from './process-lifecycle';
export * from './log-levels';
export * from './webhook-dispatcher-alone';
