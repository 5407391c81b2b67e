import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { BlobStore } from '@hangar/blob-store';

/** Where a packed chunk lies: its pack's key and its bytes' place in it. */
export interface PackedChunk {
  pack: string;
  offset: number;
  size: number;
}

/** A chunk of a file about to become a pack: its hash, size and offset in the file. */
export interface ChunkAt {
  hash: string;
  size: number;
  offset: number;
}

/** One row of the index: which pack a chunk is entered in. */
export interface PackEntry {
  hash: string;
  pack: string;
}

/**
 * The index lies beside the store's objects, under a key no listing of objects reaches (SQLite keeps its `-wal` and
 * `-shm` files next to it).
 */
export const PACK_INDEX_KEY = 'pack-index/packed-chunks.sqlite';

/**
 * Where stores before the index kept their entries, one small JSON file per chunk (`{pack, offset, size}`): read into
 * the index, then removed, the first time a store is opened by this version.
 */
const LEGACY_ENTRIES_DIR = 'packed-chunks';

/**
 * The pack entries of one store: for each chunk a pack holds, where it lies. One SQLite table beside the objects,
 * because a file per entry (the first design) cost a file creation per chunk, about 420 per GiB, each 0.5–1 ms of
 * kernel time on ext4, in the tail of every ingest; entering a pack's chunks is now one transaction (one fsync of the
 * write-ahead log), and a lookup a query instead of an `open` through libuv's pool. Only stores with a local path
 * have an index (the filesystem store: the only one that can link a file in as a pack). Threads and processes on one
 * store each open their own connection; SQLite's locking (WAL, a busy timeout) orders them.
 */
export class PackIndex {
  private readonly findStatement: Database.Statement<[string], PackedChunk>;
  private readonly enterStatement: Database.Statement<[string, string, number, number]>;
  private readonly removeStatement: Database.Statement<[string, string]>;
  private readonly pageStatement: Database.Statement<[string, number], PackEntry>;

  private constructor(private readonly db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS packed_chunks (hash TEXT PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID');
    this.findStatement = db.prepare('SELECT pack, offset, size FROM packed_chunks WHERE hash = ?');
    this.enterStatement = db.prepare('INSERT OR REPLACE INTO packed_chunks (hash, pack, offset, size) VALUES (?, ?, ?, ?)');
    this.removeStatement = db.prepare('DELETE FROM packed_chunks WHERE hash = ? AND pack = ?');
    this.pageStatement = db.prepare('SELECT hash, pack FROM packed_chunks WHERE hash > ? ORDER BY hash LIMIT ?');
  }

  /**
   * The index of `blobs`, opened on first use by this thread; null for a store without a local path (S3: no packs),
   * and, unless `create` (whoever enters a pack), for a store that has no index yet: lookups never make one, so a
   * store that never has packs (distributed mode, whose filesystem store may be a network share SQLite should not
   * run on) gets no database file. A store written before the index (entry files, no index) gets it made, to take
   * them in.
   */
  static of(blobs: BlobStore, { create = false } = {}): PackIndex | null {
    const cached = opened.get(blobs);
    if (cached !== undefined) return cached;
    const file = blobs.localPath(PACK_INDEX_KEY);
    const legacy = blobs.localPath(LEGACY_ENTRIES_DIR);
    if (!file || !legacy) {
      opened.set(blobs, null);
      return null;
    }
    // Not remembered as absent: another thread or process may enter the store's first pack at any time.
    if (!create && !existsSync(file) && !existsSync(legacy)) return null;
    const index = PackIndex.open(file);
    index.importLegacyEntries(legacy);
    opened.set(blobs, index);
    return index;
  }

  private static open(file: string): PackIndex {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // An entered pack is durable when `enter` returns: a manifest may name its chunks next.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return new PackIndex(db);
  }

  /** Where the store has `hash` in a pack, or null. */
  find(hash: string): PackedChunk | null {
    return this.findStatement.get(hash) ?? null;
  }

  /** Enters `chunks` as lying in `pack` (replacing older entries of the same chunks), durably, in one transaction. */
  enter(pack: string, chunks: readonly ChunkAt[]): void {
    this.db.transaction(() => {
      for (const chunk of chunks) this.enterStatement.run(chunk.hash, pack, chunk.offset, chunk.size);
    })();
  }

  /**
   * Every entry, in hash order, a page at a time: a store's million entries are neither held in memory at once nor
   * read in one go that would hold up the thread's event loop (and the connection, which a writer on the same thread
   * may want between pages).
   */
  async *entries(pageSize = ENTRIES_PER_PAGE): AsyncGenerator<PackEntry> {
    for (let after = ''; ; ) {
      const page = this.pageStatement.all(after, pageSize);
      yield* page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].hash;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Removes these entries in one transaction, each only while it still names the same pack: a chunk entered again
   * into another pack since it was listed keeps its new entry.
   */
  remove(entries: readonly PackEntry[]): void {
    this.db.transaction(() => {
      for (const entry of entries) this.removeStatement.run(entry.hash, entry.pack);
    })();
  }

  /**
   * Entries a store written before the index kept as files: entered (an entry the index has already is newer and
   * stays), then the files removed. Two threads doing this at once enter the same rows and remove the same files.
   */
  private importLegacyEntries(directory: string): void {
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const legacy: Array<PackedChunk & { hash: string }> = [];
    for (const hash of names) {
      try {
        legacy.push({ hash, ...(JSON.parse(readFileSync(join(directory, hash), 'utf8')) as PackedChunk) });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const insert = this.db.prepare('INSERT OR IGNORE INTO packed_chunks (hash, pack, offset, size) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const entry of legacy) insert.run(entry.hash, entry.pack, entry.offset, entry.size);
    })();
    for (const entry of legacy) ignoring(['ENOENT'], () => unlinkSync(join(directory, entry.hash)));
    ignoring(['ENOENT', 'ENOTEMPTY'], () => rmdirSync(directory));
  }
}

/** Entries read at once by `entries`. */
const ENTRIES_PER_PAGE = 10_000;

/** The index of each store object this thread has used (its connection goes with the store object). */
const opened = new WeakMap<BlobStore, PackIndex | null>();

/** Runs `action`, taking a file error with one of `codes` (another thread got there first) as done. */
function ignoring(codes: readonly string[], action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!codes.includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}
