/** What the scanner learnt from a package; shown on the build and in `files[]`. */
export interface ScanReport {
  /** The Unreal project name, from `<Project>/Binaries/Win64`. */
  projectName: string;
  /** Root launcher executable, e.g. `MyGame.exe`. */
  executable: string;
  /** Shipping executable under `<Project>/Binaries/Win64/`, if present. */
  shippingExecutable: string | null;
  ueVersion: string;
  pixelStreaming: boolean;
  fileCount: number;
  /** Sum of uncompressed entry sizes, in bytes. */
  totalSize: number;
}

/** What the repository stored for a build. */
export interface StoredBuild {
  manifestKey: string;
  fileCount: number;
  totalBytes: number;
  /** Bytes this build added to the chunk store (0 for a copy); absent for builds stored before chunking. */
  newBytes?: number;
  /** Distinct chunks the build's manifest references. */
  chunkCount?: number;
  /** Share of the build's bytes the store already held, 0 to 1: `1 - newBytes / totalBytes`. */
  dedupRatio?: number;
}

export interface DownloadedArchive {
  blobKey: string;
  size: number;
  sha256: string;
  /**
   * The blob holding what the downloader learned while the bytes arrived (`IngestReport`): the scanner and the
   * repository confirm it instead of reading the archive again. Absent for archives downloaded by older versions.
   */
  ingestReportKey?: string;
}
