import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection left, in percent: fixed, instead of
 * V8's own choice. V8 picks the step from how fast the program allocates in the old generation; a download
 * allocates there almost nothing on the heap (about 50 KB per scavenge) while its socket pieces, 64 KiB each off
 * the heap, now and then outlive two scavenges in the streams' queues. So V8 chose the smallest steps (a limit of
 * 34-40 MB over 31 MB live), and something the download holds (most likely those pieces' memory: V8's own counters
 * do not show it) brought the event loop to that limit again and again: 50-65
 * full collections in a 1 GiB download, 4 s of the helper threads' marking and the process's CPU at 9-10 s instead
 * of 6, in about half the runs that followed the standard tools' run at once (2026-12-06, `docs/speed-log.md`). With
 * a fixed 100 % (twice the live heap) none of twelve such runs had them, at 5-15 MiB more peak RSS. Flags like this
 * one are refused in `NODE_OPTIONS`, so each process sets it itself at start (V8 reads it at each collection).
 */
export const HEAP_GROWING_PERCENT = 100;

/** Sets `HEAP_GROWING_PERCENT` for this process (every isolate in it, worker threads included). */
export function growHeapInFixedSteps(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
