export * from './storage-collection';
