import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { BuildStatus, Subjects, buildStreamName, type BuildQueued, type PublishedEvent } from '@hangar/contracts';
import { CLOCK, causedBy, handleCommand, type Clock } from '@hangar/application';
import { buildDecider } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { ArchiveDownloader, DownloadRejected } from './archive-downloader';

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
    // Redelivered after the download finished (or the build was rejected meanwhile): nothing left to do.
    if (!build.exists || build.status !== BuildStatus.Downloading || build.stageDone) return;
    // A copy downloads nothing: its source's archive is its own.
    if (build.copiedFrom) {
      await handleCommand(this.store, stream, buildDecider, { type: 'CompleteDownload', archive: build.copiedFrom.archive, at: this.now() }, metadata);
      return;
    }

    try {
      const archive = await this.downloader.download(build.uploadId, build.fileUrl, { maxBuildBytes: build.maxBuildBytes, declared: build.declared });
      const { state } = await handleCommand(this.store, stream, buildDecider, { type: 'CompleteDownload', archive, at: this.now() }, metadata);
      // Deleted while it downloaded: nobody will read the zip, and the repository's cleanup may have run already.
      if (state.exists && state.deleted) await this.downloader.remove(build.uploadId);
    } catch (error) {
      if (!(error instanceof DownloadRejected)) throw error; // infrastructure trouble: redelivered and retried
      this.logger.warn(`build ${build.uploadId} rejected: ${error.message}`);
      await handleCommand(this.store, stream, buildDecider, { type: 'RejectBuild', code: 'DOWNLOAD_FAILED', reason: error.message, at: this.now() }, metadata);
      await this.downloader.discard(build.uploadId);
    }
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
