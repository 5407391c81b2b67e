import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@hangar/blob-store';
import { collectGarbage, type CollectionResult } from '@hangar/chunk-store';

/**
 * Runs the chunk garbage collector after deletions, one pass at a time: requests that arrive during a pass are folded
 * into one more pass after it (a pass started before a manifest's removal would not see that chunk as garbage).
 */
@Injectable()
export class ChunkCollection implements OnApplicationShutdown {
  private readonly logger = new Logger('ChunkCollection');
  private running: Promise<CollectionResult> | null = null;
  private again = false;

  constructor(@Inject(BLOB_STORE) private readonly blobs: BlobStore) {}

  /** Starts a pass, or one more after the running pass; does not wait for it. */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.runNow().catch((error) => this.logger.warn(`chunk collection failed: ${(error as Error).message}`));
  }

  /** Runs a pass now (after the running one) and answers what it reclaimed. */
  async runNow(): Promise<CollectionResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = collectGarbage(this.blobs);
    try {
      const result = await this.running;
      if (result.deletedChunks) this.logger.log(`reclaimed ${result.deletedChunks} chunks, ${result.deletedBytes} bytes`);
      return result;
    } finally {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.request();
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.again = false;
    await this.running?.catch(() => undefined);
  }
}
