import { Worker } from 'node:worker_threads';
import { crc32Source } from '@hangar/archive';
import { RUN_THIS_THREAD_IN_BACKGROUND_SOURCE } from '../threads/background-priority';

/**
 * The hashing thread's code: plain JavaScript, so that it runs as it is in the build and in the tests alike. Messages
 * are handled in order, so a file's hash is fed its chunks in their order.
 */
const HASHING_THREAD_SOURCE = `
${RUN_THIS_THREAD_IN_BACKGROUND_SOURCE}
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
${crc32Source()}
const files = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'chunk') {
    const bytes = Buffer.from(message.memory, message.offset, message.length);
    files.set(message.file, crc32(bytes, files.get(message.file) || 0));
    parentPort.postMessage({ type: 'chunk', id: message.id, sha256: createHash('sha256').update(bytes).digest('hex') });
  } else {
    const crc = files.get(message.file) || 0;
    files.delete(message.file);
    parentPort.postMessage({ type: 'file', id: message.id, crc32: crc >>> 0 });
  }
});
`;

type HashingReply = { type: 'chunk'; id: number; sha256: string } | { type: 'file'; id: number; crc32: number };

/**
 * A file's digest from the bytes of its chunks as they were hashed. No SHA-256 of the whole file: the chunks'
 * SHA-256s, in order, already name its bytes (each chunk is checked against its hash wherever it is read), so a
 * second SHA-256 pass over every byte would add nothing a reader checks; it was 10 % of a 1 GiB ingest's time on
 * the two cores it shares (2026-12-05, `docs/speed-log.md`).
 */
export interface FileDigests {
  /** CRC-32 (unsigned): what the zip says of the file, so that a caller can tell the chunks hold exactly its bytes. */
  crc32: number;
}

/**
 * SHA-256 of chunks, and the CRC-32 of the files they make up, on a thread of its own: the thread that cuts the
 * chunks goes on with the next ones meanwhile (the hash costs it about as much as everything else it does). Chunks are
 * handed over in shared memory (`SharedArrayBuffer`), not copied; a chunk's memory must not change until its hash
 * is back. One thread per isolate, made at first use and not keeping the process alive.
 */
export class HashingThread {
  private static current: HashingThread | null = null;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (reply: HashingReply) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  private constructor() {
    this.worker = new Worker(HASHING_THREAD_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: HashingReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      waiter?.resolve(reply);
    });
    const fail = (error: Error) => {
      if (HashingThread.current === this) HashingThread.current = null;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
  }

  static get(): HashingThread {
    HashingThread.current ??= new HashingThread();
    return HashingThread.current;
  }

  /** The chunk's SHA-256; its bytes also go into file `file`'s CRC-32 (files are numbered by the caller). */
  chunk(file: number, chunk: Buffer): Promise<string> {
    if (!(chunk.buffer instanceof SharedArrayBuffer)) throw new TypeError('a chunk to hash must lie in a SharedArrayBuffer');
    return this.ask({ type: 'chunk', file, memory: chunk.buffer, offset: chunk.byteOffset, length: chunk.length }).then((reply) => (reply.type === 'chunk' ? reply.sha256 : ''));
  }

  /** File `file`'s digest, once every chunk sent for it is hashed (that of no bytes when none was). */
  file(file: number): Promise<FileDigests> {
    return this.ask({ type: 'file', file }).then((reply) => ({ crc32: reply.type === 'file' ? reply.crc32 : 0 }));
  }

  /** A number no other file of this isolate is using. */
  newFile(): number {
    return this.nextId++;
  }

  private ask(message: Record<string, unknown>): Promise<HashingReply> {
    const id = this.nextId++;
    return new Promise<HashingReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref(); // kept alive while an answer is due
      this.worker.postMessage({ ...message, id });
    }).finally(() => {
      if (this.waiting.size === 0) this.worker.unref();
    });
  }
}
