import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { writevFully } from '../adapters/filesystem/writev-fully';
import { alignDown, DIRECT_IO_ALIGNMENT, isAlignedForDirectIo } from './aligned-memory';
import { copyBytes } from './copy-bytes';
import { isDirectIoRefused, openMaybeDirect, writeDirect } from './direct-file';

export interface AlignedFileWriterOptions {
  /** `false`: plain writes (through the page cache). Default: direct I/O where the filesystem has it. */
  direct?: boolean;
  mode?: number;
  /** Where writing starts: the bytes before it are kept (a resumed download). Default 0, which truncates. */
  startAt?: number;
  /** Told after each write how far the file is complete: every byte below that offset is on its final place. */
  onWritten?: (bytes: number) => void;
  /**
   * Bytes appended are on the disk within this many milliseconds, slab full or not (their whole blocks: the last
   * partial block waits for the rest of it, or `close`). For a file that must survive a crash with what arrived,
   * however slowly it arrives (a download's staging file). Default: a slab is written when full.
   */
  flushAfterMs?: number;
  /**
   * Writes under way at most (default: every slab but the one being filled). Fewer, with more slabs, keeps what was
   * written in the slabs a while after it is on the disk (see `recent`).
   */
  writesInFlight?: number;
  /**
   * Told which slab is about to be filled (before a byte goes in) and which whole slab is written, and where: a
   * reader of the file on another thread takes the newest bytes from the slabs (`RecentSlabs`).
   */
  recent?: { filling(slab: number): void; holds(slab: number, position: number): void };
}

/**
 * Writes a file front to back through two or more slabs of aligned memory (`alignedBuffer`), with direct I/O where
 * the filesystem has it: bytes appended are copied into one slab while the others are being written (one write at a
 * time with two slabs; with more, as many at once as there are slabs besides the one being filled, which keeps busy
 * a disk that is fastest with a few requests queued), and each full slab goes to the disk in one aligned write.
 * `close` writes the last slab's whole blocks the same way and the few bytes after them plainly, so the file never
 * holds bytes past its length, even for a moment. Where the filesystem refuses direct I/O (at the open or at a
 * write), the same slabs are written plainly. One copy per byte, made by this thread, instead of the kernel's copy
 * into fresh page-cache pages.
 */
export class AlignedFileWriter {
  /** Bytes in the slab being filled. */
  private filled = 0;
  /** Where in the file the slab being filled starts (a multiple of the alignment). */
  private position = 0;
  private current = 0;
  /** Bytes at the start of the slab being filled that are written already (by `flushWholeBlocks`). */
  private flushed = 0;
  /** Writes under way (a refusal of direct I/O reopens the file: only once every write has settled). */
  private readonly pending = new Set<Promise<void>>();
  /** Writes started, oldest first, each settled once it is written and told (`onWritten`): slabs still in use. */
  private readonly started: Promise<void>[] = [];
  /** The newest write told: writes are told in file order, each after every write before it. */
  private told: Promise<void> = Promise.resolve();
  /** A direct write went through: until then, one write at a time (the first may be refused, and reopen the file). */
  private directConfirmed = false;
  private flushTimer: NodeJS.Timeout | null = null;

  private constructor(
    private handle: FileHandle,
    private usesDirectIo: boolean,
    private readonly path: string,
    private readonly slabs: readonly Buffer[],
    private readonly onWritten: (bytes: number) => void,
    private readonly flushAfterMs: number | undefined,
    private readonly writesInFlight: number,
    private readonly recent: AlignedFileWriterOptions['recent'],
  ) {}

  /**
   * Creates (or truncates) `path`. `slabs`: two or more buffers from `alignedBuffer`, each a multiple of the alignment
   * long, not used by anyone else until this writer is closed or aborted. `direct: false` writes plainly.
   */
  static async create(path: string, slabs: readonly Buffer[], options: AlignedFileWriterOptions = {}): Promise<AlignedFileWriter> {
    if (slabs.length < 2) throw new RangeError('a file is written through two slabs or more');
    for (const slab of slabs) {
      if (!isAlignedForDirectIo(slab) || slab.length % DIRECT_IO_ALIGNMENT !== 0) throw new RangeError('slabs must be aligned memory from alignedBuffer, a multiple of the alignment long');
    }
    const startAt = options.startAt ?? 0;
    const flags = constants.O_WRONLY | constants.O_CREAT | (startAt === 0 ? constants.O_TRUNC : 0);
    const { handle, direct } = await openMaybeDirect(path, flags, options.mode ?? 0o644, options.direct ?? true);
    const writesInFlight = Math.min(options.writesInFlight ?? slabs.length - 1, slabs.length - 1);
    const writer = new AlignedFileWriter(handle, direct, path, slabs, options.onWritten ?? (() => undefined), options.flushAfterMs, Math.max(1, writesInFlight), options.recent);
    options.recent?.filling(0);
    try {
      await writer.resumeAt(startAt);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return writer;
  }

  /** Whether the writes go with direct I/O (false where the filesystem refused it, or it was not asked for). */
  get direct(): boolean {
    return this.usesDirectIo;
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.position + this.filled;
  }

  /** Copies `bytes` in; resolves once they are in a slab (the caller may reuse its buffer). */
  async append(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      const slab = this.slabs[this.current];
      const n = Math.min(bytes.length - at, slab.length - this.filled);
      copyBytes(bytes.subarray(at, at + n), slab, this.filled);
      this.filled += n;
      at += n;
      if (this.filled === slab.length) await this.writeSlab();
    }
    if (!this.flushTimer && this.filled > this.flushed) this.startFlushTimer();
  }

  /** Writes what is left and closes the file. Resolves with its length. */
  async close(): Promise<number> {
    this.stopFlushTimer();
    try {
      await this.settled();
      await this.told;
      const slab = this.slabs[this.current];
      const blocks = alignDown(this.filled);
      if (blocks > this.flushed) await this.write(slab.subarray(this.flushed, blocks), this.position + this.flushed);
      if (blocks < this.filled) {
        // Less than a block: direct I/O writes whole blocks only, so these go through a plain descriptor.
        const plain = await open(this.path, 'r+');
        try {
          await writevFully(plain, [slab.subarray(blocks, this.filled)], this.position + blocks);
        } finally {
          await plain.close();
        }
      }
      const length = this.length;
      this.onWritten(length);
      return length;
    } finally {
      await this.handle.close();
    }
  }

  /** Closes without writing what is left (the caller removes the file). */
  async abort(): Promise<void> {
    this.stopFlushTimer();
    await this.settled();
    await this.handle.close().catch(() => undefined);
  }

  /**
   * Writing goes on at `startAt`: the slab starts at the block that holds it, filled with the bytes of that block
   * already in the file (rewritten as they are, with what follows them).
   */
  private async resumeAt(startAt: number): Promise<void> {
    this.position = alignDown(startAt);
    this.filled = startAt - this.position;
    if (this.filled === 0) return;
    const plain = await open(this.path, 'r');
    try {
      const { bytesRead } = await plain.read(this.slabs[0], 0, this.filled, this.position);
      if (bytesRead !== this.filled) throw new Error(`${this.path} is shorter than ${startAt} bytes: cannot resume writing there`);
    } finally {
      await plain.close();
    }
  }

  private async writeSlab(): Promise<void> {
    // Every slab but the one filled next may be under way; the oldest writes (the next slab's among them) end first.
    const limit = this.usesDirectIo && !this.directConfirmed ? 1 : this.writesInFlight;
    while (this.started.length >= limit) await this.started.shift();
    const slab = this.slabs[this.current];
    this.startWrite(slab.subarray(this.flushed), this.position + this.flushed, { slab: this.current, from: this.position });
    this.position += slab.length;
    this.filled = 0;
    this.flushed = 0;
    this.current = (this.current + 1) % this.slabs.length;
    // Its last write ended before this one started (at most every slab but this one is under way).
    this.recent?.filling(this.current);
  }

  /** Resolves once no write is under way, whether they went through or not. */
  private async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private startFlushTimer(): void {
    if (this.flushAfterMs === undefined) return;
    this.flushTimer = setTimeout(() => this.flushWholeBlocks(), this.flushAfterMs);
    this.flushTimer.unref();
  }

  /** The whole blocks appended and not yet written go to the disk now (or once the write under way is over). */
  private flushWholeBlocks(): void {
    this.flushTimer = null;
    const blocks = alignDown(this.filled);
    if (blocks <= this.flushed) return;
    if (this.pending.size > 0) return this.startFlushTimer();
    this.startWrite(this.slabs[this.current].subarray(this.flushed, blocks), this.position + this.flushed);
    this.flushed = blocks;
  }

  /** `whole`: this write ends a slab, which starts at `from` in the file (see `recent`). */
  private startWrite(bytes: Buffer, position: number, whole?: { slab: number; from: number }): void {
    const written = this.write(bytes, position);
    this.pending.add(written);
    const settle = () => void this.pending.delete(written);
    written.then(settle, settle);
    const end = position + bytes.length;
    this.told = Promise.all([this.told, written]).then(() => {
      // Once this write and every one before it are on the disk, the whole slab is in the file: said before the
      // new length is, so that a reader told of it finds the slab held.
      if (whole) this.recent?.holds(whole.slab, whole.from);
      this.onWritten(end);
    });
    // Awaited by a later writeSlab, or by close; marked handled so that a failure in between is not fatal.
    this.told.catch(() => undefined);
    this.started.push(this.told);
  }

  private stopFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private async write(bytes: Buffer, position: number): Promise<void> {
    if (this.usesDirectIo) {
      try {
        await writeDirect(this.handle, bytes, position);
        this.directConfirmed = true;
        return;
      } catch (error) {
        if (!isDirectIoRefused(error)) throw error;
        // The filesystem took the open but not the write: go on plainly, where this write was.
        await this.handle.close();
        this.handle = await open(this.path, 'r+');
        this.usesDirectIo = false;
      }
    }
    await writevFully(this.handle, [bytes], position);
  }
}
