/**
 * A download that did not produce a zip: the build is rejected with `DOWNLOAD_FAILED` ("Failed to download file")
 * and this `reason`, written for the user (it names the host, never the URL's path or query).
 */
export class DownloadFailed extends Error {
  readonly code = 'DOWNLOAD_FAILED' as const;
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'DownloadFailed';
  }
}

/** The consumer stopped reading (destroyed the stream): not the server's fault, so not a `DownloadFailed`. */
export class DownloadAborted extends Error {
  readonly code = 'DOWNLOAD_ABORTED' as const;
  constructor() {
    super('the download was abandoned by its consumer before it completed');
    this.name = 'DownloadAborted';
  }
}
