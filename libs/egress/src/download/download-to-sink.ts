import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EgressPolicy } from '../egress-policy/egress-policy';
import { DownloadAborted, DownloadFailed, DownloadRestartNeeded } from './download-failed.error';
import { openDownload, throwIfAborted, type DownloadOptions, type DownloadResult } from './open-download';
import { DEFAULT_RETRY_DELAYS_MS } from './retry-policy';

/**
 * Where the bytes go: a Writable, or a function that consumes the stream (e.g. `(s) => blobStore.put(key, s)`).
 * The function is called again, with `offset: 0`, when the download has to start over (the server could not
 * continue a broken transfer): it must throw away what it got before, as a failed `put` does. `offset` is the byte
 * the stream starts at (`resume.from` on the first call when resuming).
 */
export type DownloadSink = Writable | ((stream: Readable, position: { offset: number }) => Promise<unknown>);

/**
 * Downloads into `sink` and returns the size and SHA-256. When both sides fail, the download's `DownloadFailed`
 * wins (a blob store that saw its input break is not at fault); a sink's own failure is thrown as it is. Starting
 * over from byte 0 is bounded by the same retry delays as resuming.
 */
export async function downloadToSink(url: string, sink: DownloadSink, policy: EgressPolicy, options: DownloadOptions): Promise<DownloadResult> {
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  let attemptOptions = options;
  for (let restarts = 0; ; restarts++) {
    try {
      return await downloadOnce(url, sink, policy, attemptOptions);
    } catch (error) {
      if (!(error instanceof DownloadRestartNeeded)) throw error;
      if (typeof sink !== 'function' || restarts >= delays.length) {
        throw new DownloadFailed(`${error.reason}; gave up after ${restarts + 1} starts`, { cause: error });
      }
      await sleep(delays[restarts], undefined, { signal: options.signal }).catch(() => undefined);
      throwIfAborted(options.signal);
      attemptOptions = { ...options, resume: undefined };
    }
  }
}

async function downloadOnce(url: string, sink: DownloadSink, policy: EgressPolicy, options: DownloadOptions): Promise<DownloadResult> {
  const { stream, result } = await openDownload(url, policy, options);
  const consumed =
    typeof sink === 'function'
      ? sink(stream, { offset: options.resume?.from ?? 0 }).catch((error: unknown) => {
          stream.destroy();
          throw error;
        })
      : pipeline(stream, sink);
  const [sinkOutcome, downloadOutcome] = await Promise.allSettled([consumed, result]);
  // Aborted: whatever the sink made of its broken stream, the download was called off.
  if (downloadOutcome.status === 'rejected' && downloadOutcome.reason instanceof DownloadAborted && options.signal?.aborted) throw downloadOutcome.reason;
  if (downloadOutcome.status === 'rejected' && (downloadOutcome.reason instanceof DownloadFailed || downloadOutcome.reason instanceof DownloadRestartNeeded)) {
    throw downloadOutcome.reason;
  }
  if (sinkOutcome.status === 'rejected') throw sinkOutcome.reason;
  if (downloadOutcome.status === 'rejected') throw downloadOutcome.reason;
  return downloadOutcome.value;
}
