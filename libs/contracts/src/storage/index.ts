export * from './storage-collection';
export * from './chunking-defaults';
