/**
 * The content-addressed store's average chunk size unless `HANGAR_CHUNK_AVG_BYTES` says otherwise: 2 MiB (1 MiB until
 * 2026-11-23). Each chunk is a file of its own, and creating a file costs more than writing its bytes, so fewer,
 * larger chunks store a GiB faster; de-duplication is that much coarser (see docs/speed-log.md).
 */
export const DEFAULT_AVG_CHUNK_BYTES = 2 * 1024 * 1024;
