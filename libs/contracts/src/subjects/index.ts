export * from './subjects';
export * from './published-event';
