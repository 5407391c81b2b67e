import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Bytes read from the file per step. Each read is a fresh buffer (the parser and the chunker keep views of it); at
 * 256 KiB the allocator hands back freed ones, where 1 MiB buffers each cost new pages from the kernel.
 */
const READ_BYTES = 256 * 1024;

export class GrowingFileShrank extends Error {
  readonly code = 'GROWING_FILE_SHRANK';
  constructor(path: string, at: number) {
    super(`${path} ended at ${at} bytes, before the bytes said to be written there`);
    this.name = 'GrowingFileShrank';
  }
}

/**
 * A file read front to back while another thread writes it: `grew` says how far it is written (only completed
 * writes: what lies below that offset is final), `ended` how long it is in the end. The reader waits at the written
 * edge instead of reading past it, so it may lag behind the writer by any distance: the file, not memory, is the
 * buffer between them. `abort` makes the reader throw at its next step. Meant for a worker thread: it reads with
 * blocking calls.
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
    // Read synchronously: this runs on a thread of its own, and the bytes were just written (the page cache holds
    // them), so a read takes microseconds, where a round trip through the busy thread pool would take far longer.
    const fd = openSync(this.path, 'r');
    try {
      for (let position = 0; ; ) {
        if (this.failure) throw this.failure;
        if (position < this.written) {
          const length = Math.min(this.written - position, READ_BYTES);
          const bytes = Buffer.allocUnsafeSlow(length);
          const bytesRead = readSync(fd, bytes, 0, length, position);
          if (bytesRead === 0) throw new GrowingFileShrank(this.path, position);
          position += bytesRead;
          yield bytesRead === length ? bytes : bytes.subarray(0, bytesRead);
        } else if (this.end !== null && position >= this.end) {
          return;
        } else {
          await this.sleep();
        }
      }
    } finally {
      closeSync(fd);
    }
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
