/**
 * A download that did not produce a zip: the build is rejected with `DOWNLOAD_FAILED` ("Failed to download file")
 * and this `reason`, written for the user (it names the host, never the URL's path or query).
 */
export class DownloadFailed extends Error {
  readonly code = 'DOWNLOAD_FAILED' as const;
  /** Passing trouble (a body that ended short): another attempt may succeed. */
  readonly retryable: boolean;
  constructor(readonly reason: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(reason, options);
    this.name = 'DownloadFailed';
    this.retryable = options?.retryable ?? false;
  }
}

/**
 * The consumer stopped reading (destroyed the stream) or aborted the download (`DownloadOptions.signal`): not the
 * server's fault, so not a `DownloadFailed`.
 */
export class DownloadAborted extends Error {
  readonly code = 'DOWNLOAD_ABORTED' as const;
  constructor(reason = 'the download was abandoned by its consumer before it completed') {
    super(reason);
    this.name = 'DownloadAborted';
  }
}

/**
 * The transfer broke and the server cannot continue it (no range support, or the file changed since): the bytes
 * already handed to the consumer are void and the download must start again from byte 0, with a new consumer.
 */
export class DownloadRestartNeeded extends Error {
  readonly code = 'DOWNLOAD_RESTART_NEEDED' as const;
  constructor(readonly reason: string, readonly afterBytes: number) {
    super(reason);
    this.name = 'DownloadRestartNeeded';
  }
}
