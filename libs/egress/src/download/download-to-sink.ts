import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EgressPolicy } from '../egress-policy/egress-policy';
import { DownloadFailed } from './download-failed.error';
import { openDownload, type DownloadOptions, type DownloadResult } from './open-download';

/** Where the bytes go: a Writable, or a function that consumes the stream (e.g. `(s) => blobStore.put(key, s)`). */
export type DownloadSink = Writable | ((stream: Readable) => Promise<unknown>);

/**
 * Downloads into `sink` and returns the size and SHA-256. When both sides fail, the download's `DownloadFailed`
 * wins (a blob store that saw its input break is not at fault); a sink's own failure is thrown as it is.
 */
export async function downloadToSink(
  url: string,
  sink: DownloadSink,
  policy: EgressPolicy,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const { stream, result } = await openDownload(url, policy, options);
  const consumed =
    typeof sink === 'function'
      ? sink(stream).catch((error: unknown) => {
          stream.destroy();
          throw error;
        })
      : pipeline(stream, sink);
  const [sinkOutcome, downloadOutcome] = await Promise.allSettled([consumed, result]);
  if (downloadOutcome.status === 'rejected' && downloadOutcome.reason instanceof DownloadFailed) throw downloadOutcome.reason;
  if (sinkOutcome.status === 'rejected') throw sinkOutcome.reason;
  if (downloadOutcome.status === 'rejected') throw downloadOutcome.reason;
  return downloadOutcome.value;
}
