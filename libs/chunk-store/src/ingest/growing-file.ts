import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { alignDown, alignedBuffer, alignUp, openMaybeDirect, type RecentSlabs } from '@hangar/blob-store';

/** Bytes per read from the file, at most (a read stops at the written edge). */
const READ_BYTES = 1024 * 1024;
/** Reads under way at once, ahead of the consumer: one read's latency at a time would pace the whole ingest. */
const READS_AHEAD = 3;

export class GrowingFileShrank extends Error {
  readonly code = 'GROWING_FILE_SHRANK';
  constructor(path: string, at: number) {
    super(`${path} ended at ${at} bytes, before the bytes said to be written there`);
    this.name = 'GrowingFileShrank';
  }
}

export interface GrowingFileOptions {
  /**
   * How many of the newest bytes handed on the consumer may still be reading (views it holds): a byte stays as it
   * was until at least this many bytes more have been handed on after it. The reader's memory is this plus a few
   * reads.
   */
  heldBytes: number;
  /** Bytes per read, at most (tests make it small to go round the ring often). Default 1 MiB. */
  readBytes?: number;
  /** The slabs the writer writes through, where the newest bytes are taken from instead of the file when still there. */
  recent?: RecentSlabs;
}

/** A read under way: where in the ring, how many bytes were asked for, how many came, how much of the ring it takes. */
interface PendingRead {
  at: number;
  length: number;
  bytesRead: Promise<number>;
  /** The length, or for a direct read of the file's last, partial block, the length rounded up to whole blocks. */
  span: number;
}

/**
 * A file read front to back while another thread writes it: `grew` says how far it is written (only completed
 * writes: what lies below that offset is final), `ended` how long it is in the end. The reader waits at the written
 * edge instead of reading past it, so it may lag behind the writer by any distance: the file, not memory, is the
 * buffer between them. `abort` makes the reader throw at its next step.
 *
 * The writer writes with direct I/O (`AlignedFileWriter`), so the bytes are not in the page cache: they are read the
 * same way, a few reads ahead of the consumer, into one ring of aligned memory, and handed on as views of it. No copy
 * and no fresh buffer per piece: fresh buffers cost a copy of every byte, and their garbage set off a full collection
 * of the reading thread every 15 MiB or so. The ring is reused only `heldBytes` behind the newest piece, so a
 * consumer that holds views of older pieces (a chunk being cut, an inflater's input) must let go of them, or copy
 * them, within that distance. Direct reads are whole blocks: a read stops at the last whole block written, except
 * at the end. Where the filesystem has no direct I/O, reads go through the page cache, the same way. With `recent`
 * (the writer's slabs in shared memory), a read the slabs still hold whole is a copy from them, not from the disk.
 */
export class GrowingFile {
  private written = 0;
  private end: number | null = null;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly heldBytes: number;
  private readonly readBytes: number;
  private readonly recent: RecentSlabs | null;
  /** Bytes taken from the writer's slabs, and read from the file: how closely this reader followed the writer. */
  readonly taken = { fromSlabs: 0, fromFile: 0 };

  constructor(
    private readonly path: string,
    options: GrowingFileOptions,
  ) {
    this.readBytes = alignUp(options.readBytes ?? READ_BYTES);
    this.heldBytes = options.heldBytes;
    this.recent = options.recent ?? null;
  }

  grew(bytes: number): void {
    this.written = Math.max(this.written, bytes);
    this.notify();
  }

  ended(bytes: number): void {
    this.grew(bytes);
    this.end = bytes;
    this.notify();
  }

  abort(reason: Error): void {
    this.failure = reason;
    this.notify();
  }

  async *read(): AsyncGenerator<Buffer> {
    // Opened once something is written: the writer may not have created the file yet.
    while (this.written === 0 && this.end === null && !this.failure) await this.sleep();
    if (this.failure) throw this.failure;
    if (this.written === 0) return;
    const { handle, direct } = await openMaybeDirect(this.path, constants.O_RDONLY);
    // The ring: the bytes handed on lately (`heldBytes`, rounded up to whole reads, and one read more: what a
    // consumer holds begins anywhere inside a piece), the reads under way, the piece being handed on now, and one
    // read more for the end of the ring, which a read does not straddle.
    const ring = alignedBuffer((Math.ceil(this.heldBytes / this.readBytes) + 1 + READS_AHEAD + 2) * this.readBytes);
    const pending: PendingRead[] = [];
    // Written in file order round the ring: a byte of the ring is overwritten only after a lap of the ring's length,
    // less at most one read's worth skipped at its end, has been read after it; of that, at most READS_AHEAD reads
    // are not handed on yet, and one is being handed on.
    let ringAt = 0;
    try {
      for (let position = 0, requested = 0; ; ) {
        if (this.failure) throw this.failure;
        while (pending.length < READS_AHEAD) {
          if (ringAt + this.readBytes > ring.length) ringAt = 0;
          const read = this.startRead(handle, direct, requested, ring, ringAt);
          if (!read) break;
          pending.push(read);
          requested += read.length;
          ringAt += read.span;
        }
        const read = pending.shift();
        if (!read) {
          if (this.end !== null && position >= this.end) return;
          await this.sleep();
          continue;
        }
        const bytesRead = await read.bytesRead;
        position += bytesRead;
        if (bytesRead > 0) yield ring.subarray(read.at, read.at + bytesRead);
        // Fewer bytes than were written there: what the file holds is handed on, then the reader fails.
        if (bytesRead < read.length) throw new GrowingFileShrank(this.path, position);
      }
    } finally {
      // Reads left under way are waited for before their file is closed.
      await Promise.allSettled(pending.map((read) => read.bytesRead));
      await handle.close();
    }
  }

  /** Starts reading what is written from `position` into the ring at `at`, or null when nothing (readable) is written there yet. */
  private startRead(handle: FileHandle, direct: boolean, position: number, ring: Buffer, at: number): PendingRead | null {
    const available = Math.min(this.written - position, this.readBytes);
    if (available <= 0) return null;
    let span = available;
    if (direct) {
      // The last block is partial: read it whole, the file ends the read. Elsewhere, whole blocks only (the rest
      // of a block is read once it is written).
      const atEnd = this.end !== null && position + available >= this.end;
      span = atEnd ? alignUp(available) : alignDown(available);
      if (span === 0) return null;
    }
    const length = Math.min(span, available);
    if (this.recent?.copy(ring, at, length, position)) {
      this.taken.fromSlabs += length;
      return { at, length, bytesRead: Promise.resolve(length), span };
    }
    this.taken.fromFile += length;
    const bytesRead = handle.read(ring, at, span, position).then((result) => Math.min(result.bytesRead, length));
    bytesRead.catch(() => undefined); // awaited in turn, or by read()'s finally
    return { at, length, bytesRead, span };
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
