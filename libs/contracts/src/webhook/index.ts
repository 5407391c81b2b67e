export * from './webhook-event-name';
export * from './webhook-envelope';
