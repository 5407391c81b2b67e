export * from './webhook-event-name';
export * from './webhook-envelope';
export * from './webhook-delivery-events';
export * from './webhook-delivery-log';
