import { Inject, Injectable } from '@nestjs/common';
import type { DownloadedArchive } from '@hangar/contracts';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { DownloadFailed, EgressRefused, downloadToSink } from '@hangar/egress';

/** The build's URL did not give us a zip: the build is rejected ("Failed to download file") with this reason. */
export class DownloadRejected extends Error {
  readonly code = 'DOWNLOAD_REJECTED';
  constructor(reason: string) {
    super(reason);
    this.name = 'DownloadRejected';
  }
}

/** Where a build's archive is kept while it is scanned and stored. */
export const sourceArchiveKey = (uploadId: string) => `uploads/${uploadId}/source.zip`;

/** Streams a build's zip from its URL into the blob store, hashing it (SHA-256) on the way. */
@Injectable()
export class ArchiveDownloader {
  constructor(
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {}

  async download(uploadId: string, fileUrl: string): Promise<DownloadedArchive> {
    const blobKey = sourceArchiveKey(uploadId);
    try {
      const { size, sha256 } = await downloadToSink(
        fileUrl,
        (stream) => this.blobs.put(blobKey, stream),
        { allowPrivateNetworks: this.config.allowPrivateNetworks },
        { maxBytes: this.config.maxBuildBytes, idleTimeoutMs: this.config.downloadTimeoutMs, connectTimeoutMs: this.config.downloadTimeoutMs },
      );
      return { blobKey, size, sha256 };
    } catch (error) {
      if (error instanceof DownloadFailed) throw new DownloadRejected(error.reason);
      if (error instanceof EgressRefused) throw new DownloadRejected(error.message);
      throw error; // our side failed (blob store, …): retried on redelivery
    }
  }
}
