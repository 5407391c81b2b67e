export * from './worker-messages';
