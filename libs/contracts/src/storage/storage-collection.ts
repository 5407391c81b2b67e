/** What one chunk garbage-collection pass reclaimed (`POST /v1/admin/storage/gc`, answered by the repository). */
export interface StorageCollectionReport {
  deletedChunks: number;
  deletedBytes: number;
  /** The pass reached its time limit and left the rest for the next one. */
  stoppedEarly: boolean;
  startedAt: string;
  finishedAt: string;
}
