import { Inject, Injectable } from '@nestjs/common';
import type { BuildManifest } from '@hangar/contracts';
import { BLOB_STORE, BlobNotFound, PrefixedBlobStore, type BlobStore } from '@hangar/blob-store';
import { chunkHashesOf, collectGarbage, confirmChunks, copyMissingChunks, manifestKey, readManifest, writeManifest } from '@hangar/chunk-store';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';

/**
 * The archive tier: a second content-addressed store (`chunks/`, `manifests/`) under the cold prefix of the blob
 * store. Moving a build there copies every chunk of its manifest that the cold store lacks and the manifest itself;
 * the hot manifest is then removed and the hot collector reclaims the chunks no hot build uses. Chunks shared with
 * hot builds thus stay hot (they are also copied cold, so that each tier stands alone: the cold build does not
 * depend on a hot build that may go later). Retrieval is the same in the other direction.
 */
@Injectable()
export class ColdStorage {
  readonly cold: BlobStore;

  constructor(
    @Inject(BLOB_STORE) private readonly hot: BlobStore,
    @Inject(HANGAR_CONFIG) config: HangarConfig,
  ) {
    this.cold = new PrefixedBlobStore(hot, config.archive.prefix);
    this.coldPrefix = config.archive.prefix;
  }

  private readonly coldPrefix: string;

  /** The key of a build's cold manifest in the main store (what BuildArchived records). */
  coldManifestKey(uploadId: string): string {
    return this.coldPrefix + manifestKey(uploadId);
  }

  /** Copies the build into the cold store; a build stored before chunking (whole-file objects) cannot move. */
  async copyToCold(hotManifestKey: string): Promise<BuildManifest | null> {
    const manifest = await readManifest(this.hot, hotManifestKey);
    if (manifest.files.some((file) => !file.chunks)) return null;
    await copyMissingChunks(this.hot, this.cold, chunkHashesOf(manifest));
    await writeManifest(this.cold, manifestKey(manifest.uploadId), manifest);
    // A cold pass (after a deletion) may have started before the manifest was there: the same protocol as hot writes.
    await confirmChunks(this.cold, manifest);
    return manifest;
  }

  /** Brings the build back to its hot manifest key, safe against a hot collection pass running meanwhile. */
  async retrieve(uploadId: string, hotManifestKey: string): Promise<void> {
    let manifest: BuildManifest;
    try {
      manifest = await readManifest(this.cold, manifestKey(uploadId));
    } catch (error) {
      // Retrieved already (a redelivery after the cold copy went): the hot manifest must be there.
      if (error instanceof BlobNotFound && (await this.hot.stat(hotManifestKey))) return;
      throw error;
    }
    await copyMissingChunks(this.cold, this.hot, chunkHashesOf(manifest));
    await writeManifest(this.hot, hotManifestKey, manifest);
    await confirmChunks(this.hot, manifest);
  }

  async removeHotManifest(hotManifestKey: string): Promise<void> {
    await this.hot.delete(hotManifestKey);
  }

  /** Drops a build's cold copy (retrieved, deleted, or a move that lost a race): its chunks go at the next cold pass. */
  async dropColdCopy(uploadId: string): Promise<void> {
    await this.cold.delete(manifestKey(uploadId));
  }

  collectCold(): Promise<unknown> {
    return collectGarbage(this.cold);
  }
}
