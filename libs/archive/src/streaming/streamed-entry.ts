import type { StreamedEntry } from '@hangar/contracts';

export type { StreamedEntry };

/** Why a zip could not be streamed to its end; the random-access path then judges and stores it. */
export type StreamStop =
  | 'truncated'
  | 'unexpected-signature'
  | 'encrypted'
  | 'compression-method'
  | 'zip64-sizes-missing'
  | 'stored-size-mismatch'
  | 'over-limits'
  | 'inflates-past-declared-size'
  | 'corrupt-data'
  | 'consumer-failed';

export interface StreamedZip<R> {
  /** Every entry from byte 0 up to the central directory was streamed; false: `stop` says why it stopped. */
  complete: boolean;
  stop?: StreamStop;
  /** The reason in words, e.g. the consumer's error message. */
  detail?: string;
  /** Entries whose data was read to its end, in zip order, each with what the consumer returned. */
  entries: { entry: StreamedEntry; result: R }[];
}
