export * from './object-id';
