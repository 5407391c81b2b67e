import { Module } from '@nestjs/common';
import { DistributorController } from './distributor.controller';
import { WorkerRegistry } from './worker-registry';

@Module({ controllers: [DistributorController], providers: [WorkerRegistry] })
export class DistributorModule {}
