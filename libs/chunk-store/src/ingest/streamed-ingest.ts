import type { IngestReport, IngestedEntry } from '@hangar/contracts';
import { DEFAULT_PACKAGE_POLICY, STREAM_HELD_BYTES, streamEntries, type ArchiveLimits } from '@hangar/archive';
import { BlobNotFound, type BlobStore } from '@hangar/blob-store';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { chunkRingFor, writeContents } from '../content-store/chunk-writer';
import { chunkKey } from '../content-store/content-keys';
import { ExtractedFiles } from '../extraction/extracted-files';

/** An ingest report without the archive's own figures, which whoever fed the bytes knows. */
export type IngestFindings = Omit<IngestReport, 'archive'>;

/**
 * Chunks a zip into the content-addressed store while its bytes arrive: each entry is inflated and CRC-checked as it
 * streams (`streamEntries`), its inflated contents cut into content-defined chunks and the new ones put, not waiting
 * for the disk; at the end every chunk named is flushed in one batch, so the findings can be handed on. With
 * `extractTo`, each entry's file is also written there as it is chunked (see `ExtractedFiles`). Chunks of a
 * build that is then rejected (or never stored) are referenced by no manifest: the chunk collector reclaims them.
 */
export async function ingestStream(
  blobs: BlobStore,
  zipBytes: AsyncIterable<Uint8Array>,
  chunking: ChunkingOptions,
  limits: ArchiveLimits = DEFAULT_PACKAGE_POLICY,
  extractTo?: string,
): Promise<IngestFindings> {
  // One ring of chunk memory for every entry of the zip.
  const ring = chunkRingFor(chunking);
  const extracted = extractTo ? await ExtractedFiles.create(extractTo) : null;
  const streamed = await streamEntries(
    zipBytes,
    async (entry, contents) => writeContents(blobs, contents, chunking, ring, await extracted?.open(entry.offset)),
    limits,
    // The chunker holds views of a chunk's pieces until it cuts it: less than the largest chunk before the newest piece.
    { heldBytes: Math.max(STREAM_HELD_BYTES, chunking.maxSize) },
  );
  const entries: IngestedEntry[] = streamed.entries.map(({ entry, result }) => ({ ...entry, sha256: result.sha256, chunks: result.chunks, newBytes: result.newBytes }));
  try {
    await blobs.sync(new Set(entries.flatMap((e) => e.chunks.map((c) => chunkKey(c.hash)))));
  } catch (error) {
    if (!(error instanceof BlobNotFound)) throw error;
    // A collection pass took a chunk no manifest named yet: the report cannot serve; the zip is stored as it is.
    return { version: 1, chunkAvgBytes: chunking.avgSize, complete: false, stop: 'chunks-collected', detail: error.message, entries: [] };
  }
  return {
    version: 1,
    chunkAvgBytes: chunking.avgSize,
    complete: streamed.complete,
    ...(streamed.stop ? { stop: streamed.stop, detail: streamed.detail } : {}),
    entries,
  };
}
