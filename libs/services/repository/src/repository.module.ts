import { Module } from '@nestjs/common';
import { ChunkCollection } from './chunk-collection';
import { RepositoryController } from './repository.controller';

@Module({ controllers: [RepositoryController], providers: [ChunkCollection], exports: [ChunkCollection] })
export class RepositoryModule {}
