import { setPriority } from 'node:os';

/**
 * The nice value of the threads that follow a download (the ingest thread, the hashing thread): below the event loop,
 * which receives the download and answers the API. On the two cores a 1 GiB download keeps busy, the event loop
 * spent a second of it waiting for a core while these threads ran, and it is the one that paces the transfer; they
 * have slack (the ingest takes from the file what it no longer finds in the writer's slabs, and catches up after
 * the last byte). Interleaved 1 GiB runs, seven pairs: 4.30-4.71 s at nice 10 against 4.58-5.13 s at 0; nice 5
 * between the two (2026-12-06, `docs/speed-log.md`).
 */
export const BACKGROUND_THREAD_NICE = 10;

/**
 * Lowers the calling thread's priority to `BACKGROUND_THREAD_NICE`, on Linux, where `setpriority` on pid 0 names the
 * calling thread alone (elsewhere it names the whole process: left as it is). Lowering a priority needs no privilege.
 */
export function runThisThreadInBackground(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, BACKGROUND_THREAD_NICE);
  } catch {
    // A sandbox that refuses setpriority: the thread runs at the event loop's priority, as before.
  }
}

/** The same, as source for a thread whose code is a string (`new Worker(source, { eval: true })`). */
export const RUN_THIS_THREAD_IN_BACKGROUND_SOURCE = `
if (process.platform === 'linux') {
  try { require('node:os').setPriority(0, ${BACKGROUND_THREAD_NICE}); } catch {}
}
`;
