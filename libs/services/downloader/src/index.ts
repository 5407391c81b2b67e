export * from './downloader.module';
