export * from './user-events';
