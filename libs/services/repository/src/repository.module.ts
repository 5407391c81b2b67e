import { Module } from '@nestjs/common';
import { ChunkCollection } from './chunk-collection';
import { RepositoryController } from './repository.controller';
import { StorageRequestsController } from './storage-requests.controller';

@Module({ controllers: [RepositoryController, StorageRequestsController], providers: [ChunkCollection], exports: [ChunkCollection] })
export class RepositoryModule {}
