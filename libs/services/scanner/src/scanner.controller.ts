import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { BuildStatus, Subjects, buildStreamName, type DownloadCompleted, type DownloadedArchive, type PublishedEvent, type StreamedEntry } from '@hangar/contracts';
import { CLOCK, blobArchiveSource, causedBy, handleCommand, type Clock } from '@hangar/application';
import { DEFAULT_PACKAGE_POLICY, inspectArchive } from '@hangar/archive';
import { readIngestReport } from '@hangar/chunk-store';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { buildDecider } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';

/** Extracting & Scanning: check every entry's CRC, the package layout and the executables; learn what the build is. */
@Controller()
export class ScannerController {
  private readonly logger = new Logger('Scanner');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern(Subjects.buildEvent('DownloadCompleted'), { concurrency: 2 })
  async onDownloadCompleted(event: PublishedEvent<'DownloadCompleted', DownloadCompleted['data']>): Promise<void> {
    const stream = buildStreamName(event.data.uploadId);
    const metadata = causedBy(event, 'scanner');
    const { state: build } = await handleCommand(this.store, stream, buildDecider, { type: 'StartScan', at: this.now() }, metadata);
    if (!build.exists || build.status !== BuildStatus.Scanning || build.stageDone) return;
    // A copy's archive was scanned when its source was: the report is taken over.
    if (build.copiedFrom) {
      await handleCommand(this.store, stream, buildDecider, { type: 'PassScan', report: build.copiedFrom.report, at: this.now() }, metadata);
      return;
    }

    const verdict = await inspectArchive(await blobArchiveSource(this.blobs, event.data.archive.blobKey), DEFAULT_PACKAGE_POLICY, {
      streamed: await this.streamedEvidence(event.data.archive),
    });
    if (verdict.ok) {
      await handleCommand(this.store, stream, buildDecider, { type: 'PassScan', report: verdict.report, at: this.now() }, metadata);
    } else {
      this.logger.warn(`build ${build.uploadId} rejected: ${verdict.code} ${verdict.reason}`);
      await handleCommand(this.store, stream, buildDecider, { type: 'RejectBuild', code: verdict.code, reason: verdict.reason, at: this.now() }, metadata);
    }
  }

  /**
   * What the downloader checked while the zip arrived, by local header offset: the scan then runs every check on the
   * central directory and the local headers, and inflates only the entries the stream did not settle. None (a zip
   * downloaded by an older version, or a report gone): every entry is inflated, as before.
   */
  private async streamedEvidence(archive: DownloadedArchive): Promise<Map<number, StreamedEntry> | undefined> {
    const report = archive.ingestReportKey ? await readIngestReport(this.blobs, archive.ingestReportKey) : null;
    return report ? new Map(report.entries.map((e) => [e.offset, e])) : undefined;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
