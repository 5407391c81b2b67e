export * from './distributor.module';
