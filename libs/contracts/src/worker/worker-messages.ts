import type { SanityCheck } from '../project/sanity-check';

/**
 * Sent to every worker agent of a region: materialise this build, check it, and report it ready (or failed).
 * `executable`: its path in the build (the scan's); `sanityCheck`: the project's, absent or null for the worker's
 * default.
 */
export interface DistributeBuild {
  uploadId: string;
  projectId: string;
  region: string;
  round: number;
  manifestKey: string;
  executable?: string;
  sanityCheck?: SanityCheck | null;
}
/** A worker agent's sanity check failed on the build (non-zero exit, timeout, could not start): the round fails. */
export interface WorkerBuildFailed {
  workerId: string;
  region: string;
  uploadId: string;
  projectId: string;
  round: number;
  reason: string;
}
/** What a worker agent that joins a region asks for: the builds it must serve or is being asked for now. */
export interface RegionBuildsQuery {
  region: string;
}
/** A worker agent has the build materialised and ready to stream. */
export interface WorkerBuildReady {
  workerId: string;
  region: string;
  uploadId: string;
  projectId: string;
  round: number;
}
export interface WorkerHeartbeat {
  workerId: string;
  region: string;
  capacity: number;
  at: string;
}
/** A piece of a file's contents in the content-addressed store, at `chunks/<hash>`. */
export interface ChunkRef {
  /** SHA-256 of the chunk's bytes, hex. */
  hash: string;
  size: number;
}
/**
 * One file of a build. Chunked builds list its contents as `chunks` (in order): each chunk's SHA-256 is checked
 * wherever it is read, and with the file's size and CRC-32 that is the whole check; builds stored before chunking
 * have `blobKey`, one object holding the whole file, and its `sha256`.
 */
export interface BuildManifestFile {
  path: string;
  size: number;
  crc32: number;
  /** The whole file's SHA-256: builds stored before chunking, and chunked builds stored before 2026-12-05 (not read). */
  sha256?: string;
  chunks?: ChunkRef[];
  blobKey?: string;
}
/** The manifest a build's files are stored under; workers materialise from it. */
export interface BuildManifest {
  uploadId: string;
  projectId: string;
  files: BuildManifestFile[];
  totalBytes: number;
  createdAt: string;
}

/** Worker agents broadcast a heartbeat this often; a worker three beats late is not healthy. */
export const WORKER_HEARTBEAT_INTERVAL_MS = 2000;
