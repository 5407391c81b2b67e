import { Module } from '@nestjs/common';
import { DistributorController } from './distributor.controller';
import { OpenRounds } from './open-rounds';
import { WorkerRegistry } from './worker-registry';

@Module({ controllers: [DistributorController], providers: [WorkerRegistry, OpenRounds] })
export class DistributorModule {}
