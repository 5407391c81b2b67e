export * from './subjects';
export * from './published-event';
export * from './public-event-feed';
