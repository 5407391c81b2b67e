import type { ChunkRef } from '../worker/worker-messages';

/**
 * What streaming a zip learned about one entry from its local header and its data as they arrived. Evidence, not a
 * verdict: the central directory, read at the end, decides; the scan takes from here only the result of inflating
 * and checksumming the entry, and only when it matches the central record exactly.
 */
export interface StreamedEntry {
  /** Offset of the entry's local header in the zip: how the central directory's record finds it. */
  offset: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** Compressed bytes read, as the local header declares them. */
  compressedSize: number;
  /** Bytes the data inflated to (counted, not declared). */
  size: number;
  /**
   * CRC-32 of the inflated bytes: computed as they streamed, or (the downloader's ingest) declared by the zip and
   * found equal to the CRC-32 of the bytes as stored, which is then the only pass over them (`consumerChecksCrc`).
   */
  crc32: number;
  /** The first inflated bytes (base64), for the nested-archive check. */
  head: string;
}

/** A streamed entry's contents as written to the chunk store while they arrived. */
export interface IngestedEntry extends StreamedEntry {
  /** Its contents, in order: the chunks' SHA-256s name its bytes (reports written before 2026-12-05 also gave the whole file's `sha256`). */
  chunks: ChunkRef[];
  /** Bytes of the chunks this entry put (the store lacked them). */
  newBytes: number;
}

/**
 * Written by the downloader beside the build's zip (`uploads/<uploadId>/ingest-report.json`): the zip was parsed,
 * inflated, checksummed and chunked into the chunk store in the same pass as the download. The chunks it names are
 * flushed to disk before the report is written. `complete` false: the stream stopped at `stop` (something only the
 * central directory can settle, e.g. sizes in a data descriptor); the scanner and the repository then read the zip
 * as before, for the entries the report lacks or for all.
 */
export interface IngestReport {
  version: 1;
  archive: { size: number; sha256: string };
  /** The chunking the entries were cut with; a repository configured otherwise stores the build itself. */
  chunkAvgBytes: number;
  complete: boolean;
  stop?: string;
  detail?: string;
  entries: IngestedEntry[];
  /**
   * Noted as the ingest began, before it looked up or put any chunk, when no chunk collection pass was running: the
   * latest pass to have started then (its marker key; null, none ever had). A repository that finds it unchanged
   * after writing the manifest, and no pass running, knows none of the chunks can have been collected meanwhile and
   * does not look each one up again. Absent: a pass was running (or an older downloader): every chunk is looked up.
   */
  collectionsBefore?: { latestPass: string | null };
}
