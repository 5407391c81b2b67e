import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { BuildStatus, Subjects, buildStreamName, type BuildDeleted, type BuildQueued, type BuildRejected, type PublishedEvent } from '@hangar/contracts';
import { CLOCK, causedBy, handleCommand, type Clock } from '@hangar/application';
import { buildDecider } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { ArchiveDownloader, DownloadCancelled, DownloadRejected } from './archive-downloader';
import { DeletionWatch } from './deletion-watch';

/** Downloading Files: fetch the build's zip from its URL into the blob store. */
@Controller()
export class DownloaderController {
  private readonly logger = new Logger('Downloader');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ArchiveDownloader) private readonly downloader: ArchiveDownloader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // Builds download in parallel; order between builds does not matter.
  @EventPattern(Subjects.buildEvent('BuildQueued'), { concurrency: 4 })
  async onBuildQueued(event: PublishedEvent<'BuildQueued', BuildQueued['data']>): Promise<void> {
    const stream = buildStreamName(event.data.uploadId);
    const metadata = causedBy(event, 'downloader');
    const { state: build } = await handleCommand(this.store, stream, buildDecider, { type: 'StartDownload', at: this.now() }, metadata);
    // Redelivered after the download finished (or the build was rejected or deleted meanwhile): nothing left to do.
    if (!build.exists || build.status !== BuildStatus.Downloading || build.stageDone) return;
    if (build.deleted) return this.downloader.remove(build.uploadId);
    // A copy downloads nothing: its source's archive is its own.
    if (build.copiedFrom) {
      await handleCommand(this.store, stream, buildDecider, { type: 'CompleteDownload', archive: build.copiedFrom.archive, at: this.now() }, metadata);
      return;
    }

    // Deleted while it downloads: the transfer stops within a check interval, and nothing more is decided for it.
    const deletion = new DeletionWatch(this.store, build.uploadId);
    try {
      const terms = { maxBuildBytes: build.maxBuildBytes, declared: build.declared };
      const archive = await this.downloader.download(build.uploadId, build.fileUrl, terms, deletion.signal);
      const { state } = await handleCommand(this.store, stream, buildDecider, { type: 'CompleteDownload', archive, at: this.now() }, metadata);
      // Deleted in the instant it finished: nobody will read the zip, and the repository's cleanup may have run already.
      if (state.exists && state.deleted) await this.downloader.remove(build.uploadId);
    } catch (error) {
      if (error instanceof DownloadCancelled) {
        this.logger.log(`build ${build.uploadId} deleted while downloading: transfer stopped`);
        await this.downloader.remove(build.uploadId);
        return;
      }
      if (!(error instanceof DownloadRejected)) throw error; // infrastructure trouble: redelivered and retried
      this.logger.warn(`build ${build.uploadId} rejected: ${error.message}`);
      await handleCommand(this.store, stream, buildDecider, { type: 'RejectBuild', code: 'DOWNLOAD_FAILED', reason: error.message, at: this.now() }, metadata);
      await this.downloader.discard(build.uploadId);
    } finally {
      deletion.stop();
    }
  }

  // A build rejected (by the scan, say) or deleted after its download: no worker will take the files extracted for
  // it (local extraction), so they go now.
  @EventPattern(Subjects.buildEvent('BuildRejected'))
  async onBuildRejected(event: PublishedEvent<'BuildRejected', BuildRejected['data']>): Promise<void> {
    await this.downloader.discardExtracted(event.data.uploadId);
  }

  @EventPattern(Subjects.buildEvent('BuildDeleted'))
  async onBuildDeleted(event: PublishedEvent<'BuildDeleted', BuildDeleted['data']>): Promise<void> {
    await this.downloader.discardExtracted(event.data.uploadId);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
