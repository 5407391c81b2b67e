export * from './query.module';
export * from './read-model/read-model-store';
export * from './projection/projection-runner';
export * from './projection/build-projection';
