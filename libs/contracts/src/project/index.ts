export * from './project-events';
export * from './sanity-check';
