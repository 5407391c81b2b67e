export * from './nats/nats-server';
export * from './zip';
export * from './http/file-server';
export * from './http/webhook-receiver';
export * from './s3/s3rver-server';
export * from './api/hangar-api-client';
export * from './process/service-process';
export * from './webhooks/scheduled-deliveries';
