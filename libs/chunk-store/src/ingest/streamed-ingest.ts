import { join } from 'node:path';
import type { IngestReport, IngestedEntry } from '@hangar/contracts';
import { DEFAULT_PACKAGE_POLICY, STREAM_HELD_BYTES, streamEntries, type ArchiveLimits } from '@hangar/archive';
import { BlobNotFound, type BlobStore } from '@hangar/blob-store';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { chunkRingFor, writeContents, type WrittenContents } from '../content-store/chunk-writer';
import { writeSingleChunkFile, type SharedSmallFilePack } from '../content-store/single-chunk-file';
import { SmallFilePack } from '../content-store/small-file-pack';
import { ExtractedFiles } from '../extraction/extracted-files';
import { SmallFilesInFlight } from './small-files-in-flight';
import { collectionsBefore } from '../collection/collection-markers';

/** An ingest report without the archive's own figures, which whoever fed the bytes knows. */
export type IngestFindings = Omit<IngestReport, 'archive'>;

/**
 * Single-chunk files stored at once, at most (as many as libuv's pool has threads, `THREAD_POOL_SIZE`), and the
 * memory their copies are made in (or twice the smallest chunk, if more: the largest such file must fit twice).
 * One at a time, the hundreds of small files after a build's paks took about 2 ms each, a chain of filesystem calls
 * with the disk and the CPU mostly idle: 0.9 s of a 5 s ingest of the bench's 1 GiB build (2026-12-04).
 */
const SMALL_FILES_IN_FLIGHT = 16;
const SMALL_BYTES_IN_FLIGHT = 4 * 1024 * 1024;

/** The small files' pack in the extraction folder, until it is linked in: no entry is named so (`chunkListKey`). */
const SMALL_FILE_PACK_NAME = '.small-files.pack';

/**
 * How far before the newest piece it was handed an ingest may still read a view of one: the parser's own margin
 * (`STREAM_HELD_BYTES`), or the chunker's, which holds a chunk's pieces until it cuts it (less than the largest
 * chunk). Whatever hands an ingest views of reused memory (the staging file's ring, the inflater's) keeps them that
 * long.
 */
export function heldBytesFor(chunking: ChunkingOptions): number {
  return Math.max(STREAM_HELD_BYTES, chunking.maxSize);
}

/**
 * Chunks a zip into the content-addressed store while its bytes arrive: each entry is inflated as it streams
 * (`streamEntries`), its inflated contents cut into content-defined chunks and the new ones put, not waiting for
 * the disk, and its CRC-32 taken from its chunks and checked against what the zip declares. A file no larger than the smallest chunk is one chunk: it is copied and stored whole while the parser
 * goes on (`writeSingleChunkFile`, several at once); larger ones go through the chunk ring one after another. At the
 * end every chunk named is flushed in one batch, so the findings can be handed on. With `extractTo`, each entry's
 * file is also written there as it is chunked (see `ExtractedFiles`). Chunks of a build that is then rejected (or
 * never stored) are referenced by no manifest: the chunk collector reclaims them.
 */
export async function ingestStream(
  blobs: BlobStore,
  zipBytes: AsyncIterable<Uint8Array>,
  chunking: ChunkingOptions,
  limits: ArchiveLimits = DEFAULT_PACKAGE_POLICY,
  extractTo?: string,
): Promise<IngestFindings> {
  // Before any chunk is looked up or put: whether a collection pass may take what this ingest finds or puts.
  const collections = await collectionsBefore(blobs);
  // One ring of chunk memory for every large entry of the zip, one after another.
  const ring = chunkRingFor(chunking);
  const extracted = extractTo ? await ExtractedFiles.create(extractTo, blobs) : null;
  const small = new SmallFilesInFlight(SMALL_FILES_IN_FLIGHT, Math.max(SMALL_BYTES_IN_FLIGHT, 2 * chunking.minSize));
  // Where the store links the extraction's files in, the small files' new chunks share one pack.
  const shared: SharedSmallFilePack | undefined = extracted?.packs ? { pack: await SmallFilePack.create(join(extracted.dir, SMALL_FILE_PACK_NAME)), lookups: new Map() } : undefined;
  let streamed;
  try {
    streamed = await streamEntries(
      zipBytes,
      async (entry, contents) => {
        const { head, size, rest } = await readAtMost(contents, chunking.minSize);
        if (!rest) {
          // Ended within the smallest chunk's size: one chunk (`isSingleChunk`), stored from a copy (the pieces are
          // views of memory the source reuses) while the parser moves on.
          return small.start(head, size, async (bytes) => {
            // Where the store can link the extraction's files in, the file's chunk goes into the small files' pack.
            if (extracted && shared) return writeSingleChunkFile(blobs, bytes, chunking, (chunks) => extracted.writeWhole(entry.offset, chunks, bytes), shared);
            const written = await writeSingleChunkFile(blobs, bytes, chunking);
            await extracted?.writeWhole(entry.offset, written.chunks, bytes);
            return written;
          });
        }
        const written = await writeContents(blobs, followedBy(head, rest), chunking, ring, await extracted?.open(entry.offset));
        return { outcome: Promise.resolve(written) };
      },
      limits,
      // Inflated pieces must stay as they were as long as the chunker holds them (without this, a large deflated
      // file's chunks were cut from memory the inflater had already reused: stored wrong, the stream's CRC-32 right).
      // The CRC-32 is taken once, from the chunks as they are stored (on the hashing thread), and checked below
      // against the zip's: a second pass over every byte on this thread cost 7 % of a 1 GiB ingest (2026-12-05).
      { heldBytes: heldBytesFor(chunking), consumerChecksCrc: true },
    );
  } finally {
    // Nothing of this ingest goes on writing once it has returned, whatever stopped it.
    await small.settled();
    if (!streamed) await shared?.pack.discard();
  }
  const outcomes = await Promise.allSettled(
    streamed.entries.map(async ({ entry, result }) => {
      const written = await result.outcome;
      // The chunks must hold the bytes the zip declares (the stream leaves this check to us, `consumerChecksCrc`):
      // a corrupt entry, or a chunk cut from memory reused too early (a source or the inflater handing on views for
      // less long than the chunker holds them), would otherwise be stored, and the build approved, with bytes the
      // zip never had. The report ends there; the scan reads the zip itself and judges.
      if (written.crc32 !== entry.crc32) {
        throw new Error(`entry at ${entry.offset}: its chunks' CRC-32 is ${written.crc32}, the zip declares ${entry.crc32}`);
      }
      return written;
    }),
  );
  // A file that failed (a put after the parser went on, chunks that do not hold its bytes): the stream is cut there,
  // as it would have stopped there had the file been stored before the next one was read.
  const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
  const written = (failed === -1 ? outcomes : outcomes.slice(0, failed)).map((outcome) => (outcome as PromiseFulfilledResult<WrittenContents>).value);
  const entries: IngestedEntry[] = written.map((result, index) => ({
    ...streamed.entries[index].entry,
    chunks: result.chunks,
    newBytes: result.newBytes,
  }));
  // Every small file has settled: the pack holds their new chunks, and becomes theirs once linked in.
  const packed = shared ? await shared.pack.seal(blobs) : [];
  try {
    await blobs.sync(new Set([...written.flatMap((result) => result.holders), ...packed]));
  } catch (error) {
    if (!(error instanceof BlobNotFound)) throw error;
    // A collection pass took a chunk no manifest named yet: the report cannot serve; the zip is stored as it is.
    return { version: 1, chunkAvgBytes: chunking.avgSize, complete: false, stop: 'chunks-collected', detail: error.message, entries: [] };
  }
  const stop =
    failed !== -1
      ? { stop: 'consumer-failed' as const, detail: ((outcomes[failed] as PromiseRejectedResult).reason as Error).message }
      : streamed.stop
        ? { stop: streamed.stop, detail: streamed.detail }
        : {};
  return {
    version: 1,
    chunkAvgBytes: chunking.avgSize,
    complete: failed === -1 && streamed.complete,
    ...stop,
    entries,
    ...(collections ? { collectionsBefore: collections } : {}),
  };
}

/**
 * The first pieces of `contents`, until they pass `limit` bytes or the contents end, and the rest still to read
 * (null when they ended within the limit).
 */
async function readAtMost(contents: AsyncIterable<Buffer>, limit: number): Promise<{ head: Buffer[]; size: number; rest: AsyncIterator<Buffer> | null }> {
  const iterator = contents[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { head, size, rest: null };
    head.push(next.value);
    size += next.value.length;
  }
  return { head, size, rest: iterator };
}

/** `head`, then what `rest` has left; closes `rest` when left early. */
async function* followedBy(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}
