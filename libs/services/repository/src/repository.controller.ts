import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { BuildStatus, Subjects, buildStreamName, type BuildApproved, type BuildDeleted, type BuildRejected, type DownloadedArchive, type PublishedEvent, type ScanPassed, type StoredBuild } from '@hangar/contracts';
import { CLOCK, blobArchiveSource, causedBy, handleCommand, loadState, type Clock } from '@hangar/application';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { adoptIngestedBuild, chunkingFor, copyBuild, manifestKey, readIngestReport, storeBuild, type BuildIdentity } from '@hangar/chunk-store';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { BusContext } from '@hangar/bus';
import { buildDecider, type Build } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import type { BuildEvent } from '@hangar/contracts';
import { buildObjectPrefixes } from './build-files';
import { ChunkCollection } from './chunk-collection';

/** Storage failures are retried this many deliveries before the build is rejected ("Save: storage error"). */
const STORAGE_ATTEMPTS = 5;

/** Saving to Repository: chunk each file of the build into the content-addressed store and write its manifest. */
@Controller()
export class RepositoryController {
  private readonly logger = new Logger('Repository');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(ChunkCollection) private readonly collection: ChunkCollection,
  ) {}

  @EventPattern(Subjects.buildEvent('ScanPassed'), { concurrency: 2 })
  async onScanPassed(@Payload() event: PublishedEvent<'ScanPassed', ScanPassed['data']>, @Ctx() context: BusContext): Promise<void> {
    const { uploadId, projectId } = event.data;
    const stream = buildStreamName(uploadId);
    const metadata = causedBy(event, 'repository');
    const { state: build } = await handleCommand(this.store, stream, buildDecider, { type: 'StartSaving', at: this.now() }, metadata);
    if (!build.exists || build.status !== BuildStatus.Saving || build.stageDone || !build.archive) return;

    try {
      const identity = { uploadId, projectId, createdAt: this.now() };
      // A copy is a manifest of its own over its source's chunks: nothing is extracted and no byte is written.
      const stored = build.copiedFrom
        ? await copyBuild(this.blobs, build.copiedFrom.manifestKey, identity)
        : await this.storeFiles(build.archive, identity);
      const { state } = await handleCommand(this.store, stream, buildDecider, { type: 'CompleteStorage', stored, at: this.now() }, metadata);
      // Deleted while its files were being stored: the BuildDeleted reaction may have run before these were written.
      if (state.exists && state.deleted) {
        await this.removeObjectsOf(uploadId);
        this.collection.request();
      }
    } catch (error) {
      const attempt = context.getMessage().deliveryCount;
      this.logger.warn(`storing build ${uploadId} failed (attempt ${attempt} of ${STORAGE_ATTEMPTS}): ${(error as Error).message}`);
      if (attempt < STORAGE_ATTEMPTS) throw error;
      const current = await loadState<BuildEvent, Build>(this.store, stream, buildDecider);
      if (current.exists && current.status === BuildStatus.Saving) {
        await handleCommand(this.store, stream, buildDecider, { type: 'RejectBuild', code: 'STORAGE_FAILED', reason: (error as Error).message, at: this.now() }, metadata);
      }
    }
  }

  /**
   * Adopts what the downloader chunked while the zip arrived, when its report can serve; otherwise (no report, an
   * incomplete one, chunks collected meanwhile) chunks the zip's entries here.
   */
  private async storeFiles(archive: DownloadedArchive, identity: BuildIdentity): Promise<StoredBuild> {
    const chunking = chunkingFor(this.config.chunkAvgBytes);
    const report = archive.ingestReportKey ? await readIngestReport(this.blobs, archive.ingestReportKey) : null;
    const adopted = report ? await adoptIngestedBuild(this.blobs, await blobArchiveSource(this.blobs, archive.blobKey), report, identity, chunking) : null;
    if (report && !adopted) {
      const why = report.stop ? `${report.stop}${report.detail && report.detail !== report.stop ? `: ${report.detail}` : ''}` : 'it differs';
      this.logger.log(`build ${identity.uploadId}: the ingest report does not serve (${why}); storing from the zip`);
    }
    return adopted ?? storeBuild(this.blobs, await blobArchiveSource(this.blobs, archive.blobKey), identity, chunking);
  }

  /**
   * Once a build is stored, its zip has served: the chunks and the manifest are the build, and each byte is stored
   * once (a 24 GB build would otherwise hold 48 GB). What the zip was stays on record (its size and SHA-256 in
   * DownloadCompleted, the ingest report beside it). It goes when the build's first distribution has ended (approved
   * or rejected), not as soon as it is stored: on a filesystem mounted with `discard`, as here, deleting a GiB holds
   * the filesystem for most of a second while the device is told which blocks are free, and the worker's moves of the
   * extracted files into place waited behind it (its stage 0.6-0.7 s at 1 GiB and 1.35 s at 4 GiB, against 0.12-0.15 s
   * with the zip kept until then; 2026-12-06). Only this build's own zip goes (a copy names its source's), and a
   * redelivery, or a later round's end, finds it gone already.
   */
  @EventPattern(Subjects.buildEvent('BuildApproved'))
  async onBuildApproved(event: PublishedEvent<'BuildApproved', BuildApproved['data']>): Promise<void> {
    await this.releaseArchive(event.data.uploadId);
  }

  @EventPattern(Subjects.buildEvent('BuildRejected'))
  async onBuildRejected(event: PublishedEvent<'BuildRejected', BuildRejected['data']>): Promise<void> {
    await this.releaseArchive(event.data.uploadId);
  }

  /** Deletes a stored build's own zip; a build rejected before it was stored keeps it (what it was rejected for). */
  private async releaseArchive(uploadId: string): Promise<void> {
    const build = await loadState<BuildEvent, Build>(this.store, buildStreamName(uploadId), buildDecider);
    if (!build.exists || !build.stored || !build.archive || !build.archive.blobKey.startsWith(`uploads/${uploadId}/`)) return;
    await this.blobs.delete(build.archive.blobKey);
  }

  /**
   * A deleted build's objects go, its manifest first: the chunks only it used are then unreferenced and the collector
   * reclaims them. Running it again (a redelivery) finds nothing left to remove.
   */
  @EventPattern(Subjects.buildEvent('BuildDeleted'))
  async onBuildDeleted(event: PublishedEvent<'BuildDeleted', BuildDeleted['data']>): Promise<void> {
    await this.removeObjectsOf(event.data.uploadId);
    this.collection.request();
  }

  private async removeObjectsOf(uploadId: string): Promise<void> {
    await this.blobs.delete(manifestKey(uploadId));
    for (const prefix of buildObjectPrefixes(uploadId)) {
      const keys: string[] = [];
      // Listed first, deleted after: an adapter need not support deletion while it lists.
      for await (const blob of this.blobs.list(prefix)) keys.push(blob.key);
      for (const key of keys) await this.blobs.delete(key);
    }
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
