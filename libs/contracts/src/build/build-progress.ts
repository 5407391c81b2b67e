/**
 * How far a build's current stage has got, broadcast while it runs (`progress.build.<uploadId>`): a fleeting view,
 * never stored as an event (a 24 GB download would otherwise append thousands of them). A missed one is replaced by
 * the next.
 */
export interface BuildProgress {
  uploadId: string;
  stage: 'download';
  bytes: number;
  /** Null when the server did not say how large the file is. */
  totalBytes: number | null;
  /** 0–100, one decimal; null without `totalBytes`. */
  percent: number | null;
  /** Over the last interval. */
  bytesPerSecond: number;
  at: string;
}
