export * from './views';
export * from './query-requests';
export * from './dto';
