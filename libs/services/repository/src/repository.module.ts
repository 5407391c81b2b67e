import { Module } from '@nestjs/common';
import { ArchiveController } from './archive/archive.controller';
import { ArchiveSweep } from './archive/archive-sweep';
import { ColdStorage } from './archive/cold-storage';
import { ChunkCollection } from './chunk-collection';
import { RepositoryController } from './repository.controller';
import { StorageRequestsController } from './storage-requests.controller';

@Module({
  controllers: [RepositoryController, StorageRequestsController, ArchiveController],
  providers: [ChunkCollection, ColdStorage, ArchiveSweep],
  exports: [ChunkCollection],
})
export class RepositoryModule {}
