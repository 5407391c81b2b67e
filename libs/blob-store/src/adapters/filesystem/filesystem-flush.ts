import { execFile } from 'node:child_process';

/**
 * Flushes everything written to the filesystem that holds `path`, data and metadata (Linux's `syncfs`), and
 * resolves true; false where that cannot be done (another OS, no `sync -f`): the caller then flushes file by file.
 *
 * Why: a build's ingest ends by making its chunks durable, one `fsync` per file (each one a metadata write and a
 * flush of the device's cache). A build of 4000 small files spent 0.44–0.73 s on them, one flush did it in
 * 0.12–0.17 s (2026-12-05, `docs/speed-log.md`). Node.js has no binding for `syncfs`; coreutils' `sync -f` (8.24 and
 * later) calls it. The price: whatever else is dirty on that filesystem is flushed too, which on a data volume of
 * Hangar's own is what it wrote.
 */
export function flushFilesystemOf(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sync', ['-f', path], (error) => resolve(!error));
  });
}

/** How a filesystem store flushes many objects at once: `flushFilesystemOf`, or a stand-in in tests. */
export type FilesystemFlush = (path: string) => Promise<boolean>;
