export * from './repository.module';
export * from './build-files';
