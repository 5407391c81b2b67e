import type { ArchiveLimits } from '@hangar/archive';
import type { BlobStoreLocation, SharedRecentSlabs } from '@hangar/blob-store';
import type { ChunkingOptions } from '../chunking/chunking-options';
import type { IngestFindings } from './streamed-ingest';

/** What an ingest thread is started with: where the zip is being written, where the chunks go. */
export interface IngestThreadData {
  /** The file the zip is being written to (read by the thread as it grows). */
  path: string;
  /** The blob store the chunks go to, opened again in the thread. */
  location: BlobStoreLocation;
  chunking: ChunkingOptions;
  limits?: ArchiveLimits;
  /** Where each entry's file is also written, for a worker on this filesystem to adopt (see `ExtractedFiles`). */
  extractTo?: string;
  /** The slabs the file is written through, read instead of the file while they hold what is wanted (`RecentSlabs`). */
  recentSlabs?: SharedRecentSlabs;
}

/** From the downloader to the thread: how far the file is written, its final length, or stop. */
export type IngestThreadCommand = { type: 'grew'; bytes: number } | { type: 'ended'; bytes: number } | { type: 'abort' };

/** From the thread to the downloader, once: what it found, or why it failed. */
export type IngestThreadOutcome = { type: 'done'; findings: IngestFindings; read: FileReading } | { type: 'failed'; name: string; message: string };

/** How the thread read the file: bytes copied from the writer's slabs (`RecentSlabs`), bytes read from the disk. */
export interface FileReading {
  fromSlabs: number;
  fromFile: number;
}
