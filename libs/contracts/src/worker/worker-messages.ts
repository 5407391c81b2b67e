/** Sent to every worker agent of a region: materialise this build and report it ready. */
export interface DistributeBuild {
  uploadId: string;
  projectId: string;
  region: string;
  round: number;
  manifestKey: string;
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
/** The manifest a build's files are stored under; workers materialise from it. */
export interface BuildManifest {
  uploadId: string;
  projectId: string;
  files: { path: string; size: number; crc32: number; blobKey: string }[];
  totalBytes: number;
  createdAt: string;
}

/** Worker agents broadcast a heartbeat this often; a worker three beats late is not healthy. */
export const WORKER_HEARTBEAT_INTERVAL_MS = 2000;
