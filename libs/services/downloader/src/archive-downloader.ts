import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { DownloadedArchive } from '@hangar/contracts';
import { CLOCK, type Clock } from '@hangar/application';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { DownloadFailed, EgressRefused, downloadToSink } from '@hangar/egress';
import { ExtractedFiles, IngestThread, chunkingFor, extractionDir, writeIngestReport, type IngestFindings } from '@hangar/chunk-store';
import { DownloadProgressReporter } from './download-progress';
import { DownloadStaging } from './download-staging';

/** The build's URL did not give us a zip: the build is rejected ("Failed to download file") with this reason. */
export class DownloadRejected extends Error {
  readonly code = 'DOWNLOAD_REJECTED';
  constructor(reason: string) {
    super(reason);
    this.name = 'DownloadRejected';
  }
}

/** The same build is already downloading in this process (a redelivery that overtook it): try again later. */
export class DownloadInProgress extends Error {
  readonly code = 'DOWNLOAD_IN_PROGRESS';
  constructor(uploadId: string) {
    super(`build ${uploadId} is already downloading here`);
    this.name = 'DownloadInProgress';
  }
}

/** The download was aborted (its build was deleted): nothing is kept of it, and nothing is to be decided. */
export class DownloadCancelled extends Error {
  readonly code = 'DOWNLOAD_CANCELLED';
  constructor(uploadId: string, options?: { cause?: unknown }) {
    super(`the download of build ${uploadId} was aborted`, options);
    this.name = 'DownloadCancelled';
  }
}

/** What a build's download must respect, from its BuildQueued. */
export interface DownloadTerms {
  /** The project's limit when queued; null: the deployment's. */
  maxBuildBytes: number | null;
  declared: { sha256?: string; size?: number };
}

/** Where a build's archive is kept while it is scanned and stored. */
export const sourceArchiveKey = (uploadId: string) => `uploads/${uploadId}/source.zip`;
/** Beside it: what was learned and chunked while it downloaded (`IngestReport`). */
export const ingestReportKey = (uploadId: string) => `uploads/${uploadId}/ingest-report.json`;

/**
 * Fetches a build's zip from its URL into the staging area (resuming what an earlier run left there), hashing it
 * (SHA-256) on the way and broadcasting progress, then puts it into the blob store. In the same pass the zip is
 * parsed and each entry inflated, CRC-checked and chunked into the chunk store, by an `IngestThread` that reads the
 * staging file as it grows (the event loop keeps only the network, the hash and the writes); the findings go into
 * a report beside the zip, which the scanner and the repository confirm instead of reading the zip again. On a
 * crash resume the thread reads the staged bytes first, then the rest as it arrives.
 */
@Injectable()
export class ArchiveDownloader {
  private readonly staging: DownloadStaging;
  private readonly active = new Set<string>();

  constructor(
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
  ) {
    this.staging = new DownloadStaging(join(config.dataDir, 'downloads'));
  }

  /**
   * Aborting `signal` stops the transfer at once and removes what was staged: the result is `DownloadCancelled`, and
   * no progress is broadcast after the abort.
   */
  async download(uploadId: string, fileUrl: string, terms: DownloadTerms, signal?: AbortSignal): Promise<DownloadedArchive> {
    if (this.active.has(uploadId)) throw new DownloadInProgress(uploadId);
    this.active.add(uploadId);
    try {
      return await this.downloadAndStore(uploadId, fileUrl, terms, signal);
    } catch (error) {
      if (!signal?.aborted) throw error;
      await this.staging.discard(uploadId);
      throw new DownloadCancelled(uploadId, { cause: error });
    } finally {
      this.active.delete(uploadId);
    }
  }

  /** The build was rejected: what was staged and extracted for it is of no use any more. */
  async discard(uploadId: string): Promise<void> {
    await this.staging.discard(uploadId);
    await this.discardExtracted(uploadId);
  }

  /** The build was deleted: its zip, stored or staged, goes. */
  async remove(uploadId: string): Promise<void> {
    await this.blobs.delete(sourceArchiveKey(uploadId));
    await this.blobs.delete(ingestReportKey(uploadId));
    await this.staging.discard(uploadId);
    await this.discardExtracted(uploadId);
  }

  /** The files extracted for a local worker (see `ExtractedFiles`) go: none will take them. */
  async discardExtracted(uploadId: string): Promise<void> {
    const dir = this.extractionDirOf(uploadId);
    if (dir) await ExtractedFiles.discard(dir);
  }

  /** Where the build's files are extracted for a worker on this filesystem, or null without local extraction. */
  private extractionDirOf(uploadId: string): string | null {
    const root = this.config.localExtractionDir;
    return root ? extractionDir(root, uploadId) : null;
  }

  private async downloadAndStore(uploadId: string, fileUrl: string, terms: DownloadTerms, signal: AbortSignal | undefined): Promise<DownloadedArchive> {
    const blobKey = sourceArchiveKey(uploadId);
    const staged = await this.staging.resumable(uploadId, fileUrl);
    const progress = new DownloadProgressReporter(this.bus, uploadId, () => this.clock.now(), staged?.bytes ?? 0);
    const chunking = chunkingFor(this.config.chunkAvgBytes);
    // One ingest per start of the zip: a download that has to start over from byte 0 starts a new one.
    const ingest: { findings: IngestFindings | null } = { findings: null };
    const receive = async (stream: Readable, offset: number) => {
      ingest.findings = null;
      // With local extraction, the files are also written out for a worker on this filesystem (`ExtractedFiles`).
      const extractTo = this.extractionDirOf(uploadId) ?? undefined;
      // The thread copies the newest bytes from the slabs they are written through, and reads the file only where
      // it fell behind (`RecentSlabs`).
      const recent = this.staging.takeRecentSlabs();
      const thread = IngestThread.start({ path: this.staging.partPath(uploadId), location: this.config.blobStore, chunking, extractTo, recentSlabs: recent.shared });
      thread.grew(offset); // kept from an earlier run: readable at once
      // A deleted build's thread stops too, also when the last bytes are in and it is still catching up.
      const stop = () => void thread.abort();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        let size;
        try {
          size = await this.staging.write(uploadId, stream, offset, (bytes) => thread.grew(bytes), recent);
        } catch (error) {
          await thread.abort();
          throw error;
        }
        ingest.findings = await thread.ended(size);
      } finally {
        signal?.removeEventListener('abort', stop);
        // A thread still reading the slabs (aborted, not yet gone) checks every copy it takes: reuse cannot mislead it.
        this.staging.giveRecentSlabs(recent);
      }
    };
    let downloaded;
    try {
      downloaded = await downloadToSink(
        fileUrl,
        (stream, { offset }) => receive(stream, offset),
        { allowPrivateNetworks: this.config.allowPrivateNetworks },
        {
          maxBytes: terms.maxBuildBytes ?? this.config.maxBuildBytes,
          idleTimeoutMs: this.config.downloadTimeoutMs,
          connectTimeoutMs: this.config.downloadTimeoutMs,
          retryDelaysMs: this.config.downloadRetryDelaysMs,
          expected: terms.declared,
          resume: staged ? { from: staged.bytes, prefix: staged.prefix(), validators: staged.validators } : undefined,
          onResponse: ({ validators, from }) => (from === 0 ? this.staging.remember(uploadId, fileUrl, validators) : undefined),
          onProgress: ({ bytes, totalBytes }) => (signal?.aborted ? undefined : progress.report(bytes, totalBytes)),
          signal,
        },
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof DownloadFailed) throw new DownloadRejected(error.reason);
      if (error instanceof EgressRefused) throw new DownloadRejected(error.message);
      throw error; // our side failed (disk, …): retried on redelivery, from what is staged
    }
    const archive = { size: downloaded.size, sha256: downloaded.sha256 };
    const reportKey = ingestReportKey(uploadId);
    const { findings } = ingest;
    signal?.throwIfAborted();
    if (findings) await writeIngestReport(this.blobs, reportKey, { ...findings, archive });
    // The blob store takes the staged file over: a rename on the filesystem store (no second copy), an upload on S3.
    await this.blobs.putFile(blobKey, this.staging.partPath(uploadId), { size: downloaded.size });
    await this.staging.discard(uploadId);
    return { blobKey, ...archive, ...(findings ? { ingestReportKey: reportKey } : {}) };
  }
}
