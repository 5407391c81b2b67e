import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { alignDown, alignedBuffer, alignUp, openMaybeDirect } from '@hangar/blob-store';

/**
 * Bytes handed on per step, each step in a fresh buffer (the parser and the chunker keep views of it); at 256 KiB
 * the allocator hands back freed ones, where 1 MiB buffers each cost new pages from the kernel.
 */
const STEP_BYTES = 256 * 1024;
/** Bytes per read from the file: a few steps. */
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

/** A read under way: into which buffer, how many bytes were asked for, how many came. */
interface PendingRead {
  into: Buffer;
  length: number;
  bytesRead: Promise<number>;
}

/**
 * A file read front to back while another thread writes it: `grew` says how far it is written (only completed
 * writes: what lies below that offset is final), `ended` how long it is in the end. The reader waits at the written
 * edge instead of reading past it, so it may lag behind the writer by any distance: the file, not memory, is the
 * buffer between them. `abort` makes the reader throw at its next step.
 *
 * The writer writes with direct I/O (`AlignedFileWriter`), so the bytes are not in the page cache: they are read the
 * same way, a few reads ahead of the consumer into aligned buffers, and copied out into the fresh buffers the steps
 * yield. Direct reads are whole blocks: a read stops at the last whole block written, except at the end. Where the
 * filesystem has no direct I/O, reads go through the page cache, the same way.
 */
export class GrowingFile {
  private written = 0;
  private end: number | null = null;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly path: string) {}

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
    const free = Array.from({ length: READS_AHEAD }, () => alignedBuffer(READ_BYTES));
    const pending: PendingRead[] = [];
    try {
      for (let position = 0, requested = 0; ; ) {
        if (this.failure) throw this.failure;
        for (let read; free.length > 0 && (read = this.startRead(handle, direct, requested, free[free.length - 1])); ) {
          free.pop();
          pending.push(read);
          requested += read.length;
        }
        const read = pending.shift();
        if (!read) {
          if (this.end !== null && position >= this.end) return;
          await this.sleep();
          continue;
        }
        const bytesRead = await read.bytesRead;
        for (let at = 0; at < bytesRead; at += STEP_BYTES) {
          const step = Buffer.allocUnsafeSlow(Math.min(STEP_BYTES, bytesRead - at));
          read.into.copy(step, 0, at, at + step.length);
          position += step.length;
          if (at + step.length >= bytesRead) free.push(read.into); // copied out: the next read may use it
          yield step;
        }
        // Fewer bytes than were written there: what the file holds is handed on, then the reader fails.
        if (bytesRead < read.length) throw new GrowingFileShrank(this.path, position);
      }
    } finally {
      // Reads left under way are waited for before their file is closed.
      await Promise.allSettled(pending.map((read) => read.bytesRead));
      await handle.close();
    }
  }

  /** Starts reading what is written from `position` into `into`, or null when nothing (readable) is written there yet. */
  private startRead(handle: FileHandle, direct: boolean, position: number, into: Buffer): PendingRead | null {
    const available = Math.min(this.written - position, READ_BYTES);
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
    const bytesRead = handle.read(into, 0, span, position).then((result) => Math.min(result.bytesRead, length));
    bytesRead.catch(() => undefined); // awaited in turn, or by read()'s finally
    return { into, length, bytesRead };
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
