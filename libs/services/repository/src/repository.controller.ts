import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { BuildStatus, Subjects, buildStreamName, type BuildDeleted, type BuildManifest, type PublishedEvent, type ScanPassed } from '@hangar/contracts';
import { CLOCK, blobArchiveSource, causedBy, handleCommand, loadState, type Clock } from '@hangar/application';
import { extractEntries } from '@hangar/archive';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { BusContext } from '@hangar/bus';
import { buildDecider, type Build } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import type { BuildEvent } from '@hangar/contracts';
import { buildFileKey, buildManifestKey, buildObjectPrefixes } from './build-files';

/** Storage failures are retried this many deliveries before the build is rejected ("Save: storage error"). */
const STORAGE_ATTEMPTS = 5;

/** Saving to Repository: store each file of the build and its manifest. */
@Controller()
export class RepositoryController {
  private readonly logger = new Logger('Repository');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern(Subjects.buildEvent('ScanPassed'), { concurrency: 2 })
  async onScanPassed(@Payload() event: PublishedEvent<'ScanPassed', ScanPassed['data']>, @Ctx() context: BusContext): Promise<void> {
    const { uploadId, projectId } = event.data;
    const stream = buildStreamName(uploadId);
    const metadata = causedBy(event, 'repository');
    const { state: build } = await handleCommand(this.store, stream, buildDecider, { type: 'StartSaving', at: this.now() }, metadata);
    if (!build.exists || build.status !== BuildStatus.Saving || build.stageDone || !build.archive) return;

    try {
      const manifest: BuildManifest = { uploadId, projectId, files: [], totalBytes: 0, createdAt: this.now() };
      await extractEntries(await blobArchiveSource(this.blobs, build.archive.blobKey), async (entry, contents) => {
        const blobKey = buildFileKey(uploadId, entry.path);
        await this.blobs.put(blobKey, contents, { size: entry.uncompressedSize });
        manifest.files.push({ path: entry.path, size: entry.uncompressedSize, crc32: entry.crc32, blobKey });
        manifest.totalBytes += entry.uncompressedSize;
      });
      const manifestKey = buildManifestKey(uploadId);
      await this.blobs.put(manifestKey, Buffer.from(JSON.stringify(manifest)), { contentType: 'application/json' });
      const stored = { manifestKey, fileCount: manifest.files.length, totalBytes: manifest.totalBytes };
      const { state } = await handleCommand(this.store, stream, buildDecider, { type: 'CompleteStorage', stored, at: this.now() }, metadata);
      // Deleted while its files were being stored: the BuildDeleted reaction may have run before these were written.
      if (state.exists && state.deleted) await this.removeObjectsOf(uploadId);
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

  /** A deleted build's objects go; running it again (a redelivery) finds nothing left to remove. */
  @EventPattern(Subjects.buildEvent('BuildDeleted'))
  async onBuildDeleted(event: PublishedEvent<'BuildDeleted', BuildDeleted['data']>): Promise<void> {
    await this.removeObjectsOf(event.data.uploadId);
  }

  private async removeObjectsOf(uploadId: string): Promise<void> {
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
