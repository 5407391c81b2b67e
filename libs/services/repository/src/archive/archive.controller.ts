import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Subjects, buildStreamName, type BuildDeleted, type BuildEvent, type BuildRetrievalStarted, type PublishedEvent } from '@hangar/contracts';
import { CLOCK, causedBy, handleCommand, loadState, type Clock } from '@hangar/application';
import { buildDecider, type Build } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { ChunkCollection } from '../chunk-collection';
import { ColdStorage } from './cold-storage';

/** The archive tier's reactions: bring a build back when it is to go live again; forget a deleted build's cold copy. */
@Controller()
export class ArchiveController {
  private readonly logger = new Logger('Archive');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ColdStorage) private readonly coldStorage: ColdStorage,
    @Inject(ChunkCollection) private readonly collection: ChunkCollection,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The files come back to the hot store (shown as Downloading Files); BuildRetrieved then starts the distribution. */
  @EventPattern(Subjects.buildEvent('BuildRetrievalStarted'))
  async onRetrievalStarted(event: PublishedEvent<'BuildRetrievalStarted', BuildRetrievalStarted['data']>): Promise<void> {
    const stream = buildStreamName(event.data.uploadId);
    const build = await loadState<BuildEvent, Build>(this.store, stream, buildDecider);
    if (!build.exists || !build.retrieving || build.stageDone || !build.stored) return;
    await this.coldStorage.retrieve(build.uploadId, build.stored.manifestKey);
    await handleCommand(this.store, stream, buildDecider, { type: 'CompleteRetrieval', at: this.clock.now().toISOString() }, causedBy(event, 'repository'));
    await this.coldStorage.dropColdCopy(build.uploadId);
    await this.collectCold();
  }

  /** A deleted build's cold copy goes too (the hot objects are the repository's own reaction). */
  @EventPattern(Subjects.buildEvent('BuildDeleted'))
  async onBuildDeleted(event: PublishedEvent<'BuildDeleted', BuildDeleted['data']>): Promise<void> {
    await this.coldStorage.dropColdCopy(event.data.uploadId);
    await this.collectCold();
  }

  private async collectCold(): Promise<void> {
    await this.coldStorage.collectCold().catch((error) => this.logger.warn(`cold chunk collection failed: ${(error as Error).message}`));
  }
}
