import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileReading, IngestThreadCommand, IngestThreadData, IngestThreadOutcome } from './ingest-thread.messages';
import type { IngestFindings } from './streamed-ingest';

/** The ingest thread's young generation, in MiB (see `startWorker`). */
const YOUNG_GENERATION_MB = 1;

/** The thread is told the file grew at most once per this many bytes (and at the end). */
const NOTIFY_BYTES = 1024 * 1024;

export class IngestThreadFailed extends Error {
  readonly code = 'INGEST_THREAD_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'IngestThreadFailed';
  }
}

/**
 * `ingestStream` on a worker thread of its own, reading the zip from the file the downloader writes it to. The event
 * loop keeps only the network, the zip's SHA-256 and the file writes; inflating, CRC-checking, chunking, hashing
 * and putting chunks (most of the CPU an ingest costs) run beside it on the other core, and the file decouples the
 * two: the download never waits for the chunking, the chunking reads from the page cache.
 */
export class IngestThread {
  private notified = 0;
  private readonly outcome: Promise<IngestFindings>;
  /** Once it is done: how the thread read the file (from the writer's slabs, from the disk), for whoever measures. */
  read: FileReading | null = null;

  private constructor(private readonly worker: Worker) {
    this.outcome = new Promise<IngestFindings>((resolve, reject) => {
      worker.once('message', (outcome: IngestThreadOutcome) => {
        if (outcome.type === 'failed') return reject(new IngestThreadFailed(`${outcome.name}: ${outcome.message}`));
        this.read = outcome.read;
        resolve(outcome.findings);
      });
      worker.once('error', (error) => reject(new IngestThreadFailed(`the ingest thread crashed: ${error.message}`)));
      worker.once('exit', (code) => reject(new IngestThreadFailed(`the ingest thread exited (${code}) without a result`)));
    });
    this.outcome.catch(() => undefined); // observed by `ended` or `abort`
  }

  static start(data: IngestThreadData): IngestThread {
    return new IngestThread(startWorker('ingest-thread.worker', data));
  }

  /** The file is written up to `bytes` (completed writes only). */
  grew(bytes: number): void {
    if (bytes - this.notified < NOTIFY_BYTES) return;
    this.notified = bytes;
    this.send({ type: 'grew', bytes });
  }

  /** The file is complete at `bytes`: resolves with what the thread found once it has read it all. */
  async ended(bytes: number): Promise<IngestFindings> {
    this.send({ type: 'ended', bytes });
    try {
      return await this.outcome;
    } finally {
      await this.worker.terminate();
    }
  }

  /** The download failed: the thread stops at its next step (its puts finish or clean up), then exits. */
  async abort(): Promise<void> {
    this.send({ type: 'abort' });
    await this.outcome.catch(() => undefined);
    await this.worker.terminate();
  }

  private send(command: IngestThreadCommand): void {
    this.worker.postMessage(command);
  }
}

/**
 * A worker thread running `<name>.js` beside this file (the compiled build), or, when this file is TypeScript (the
 * tests run the sources), `<name>.ts` through `scripts/ts-worker.cjs`, which compiles it on the fly the way the
 * build does.
 */
function startWorker(name: string, data: unknown): Worker {
  // A small young generation: the thread's garbage is mostly the buffers it read the file into, which a scavenge
  // frees; with the default (16 MiB semi-spaces) tens of MiB of them wait for the next one.
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, `${name}.js`), { workerData: { data }, resourceLimits });
  let root = __dirname;
  while (!existsSync(join(root, 'scripts', 'ts-worker.cjs'))) {
    if (dirname(root) === root) throw new Error('scripts/ts-worker.cjs not found above the sources');
    root = dirname(root);
  }
  return new Worker(join(root, 'scripts', 'ts-worker.cjs'), { workerData: { data, entry: join(__dirname, `${name}.ts`) }, resourceLimits });
}
