export * from './scanner.module';
