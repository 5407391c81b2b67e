export * from './build-status';
export * from './objection';
export * from './scan-report';
export * from './ingest-report';
export * from './build-events';
export * from './build-progress';
