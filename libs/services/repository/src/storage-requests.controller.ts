import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Subjects, type StorageCollectionReport } from '@hangar/contracts';
import { CLOCK, type Clock } from '@hangar/application';
import { ChunkCollection } from './chunk-collection';

/** Storage maintenance asked for over the bus (the admin API): here because the repository owns the chunk store. */
@Controller()
export class StorageRequestsController {
  constructor(
    @Inject(ChunkCollection) private readonly collection: ChunkCollection,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A pass now, after any pass under way (which may have started before the latest deletions). */
  @MessagePattern(Subjects.storageCollect)
  async collect(): Promise<StorageCollectionReport> {
    const startedAt = this.clock.now().toISOString();
    const result = await this.collection.runNow();
    return { ...result, startedAt, finishedAt: this.clock.now().toISOString() };
  }
}
