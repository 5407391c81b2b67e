export * from './ingest.module';
export { validationPipe } from './http/validation';
