import { Module } from '@nestjs/common';
import { ArchiveDownloader } from './archive-downloader';
import { DownloaderController } from './downloader.controller';

@Module({ controllers: [DownloaderController], providers: [ArchiveDownloader] })
export class DownloaderModule {}
