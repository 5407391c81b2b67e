import type Database from 'better-sqlite3';
import type { CheckpointStore } from '../../port/checkpoint-store.port';
import { openSqliteDatabase } from './sqlite-database';

/**
 * Checkpoints in a `checkpoints` table of a SQLite file (the event store's file or another one). Positions are stored
 * as decimal text: a JetStream position (sequence × 1000) may not fit SQLite's signed 64-bit integers forever.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly advanceInTransaction;

  constructor(readonly file: string) {
    this.db = openSqliteDatabase(file);
    this.db.exec('CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL)');
    this.statements = {
      load: this.db.prepare<[string], { position: string }>('SELECT position FROM checkpoints WHERE name = ?'),
      store: this.db.prepare<[string, string]>(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      ),
    };
    this.advanceInTransaction = this.db.transaction((name: string, position: bigint): bigint => {
      const stored = this.loadSync(name);
      if (stored !== null && stored >= position) return stored;
      this.statements.store.run(name, position.toString());
      return position;
    });
  }

  async load(name: string): Promise<bigint | null> {
    return this.loadSync(name);
  }

  async advance(name: string, position: bigint): Promise<bigint> {
    // IMMEDIATE: compare and write under the write lock, so another process advancing the same name cannot interleave.
    return this.advanceInTransaction.immediate(name, position);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private loadSync(name: string): bigint | null {
    const row = this.statements.load.get(name);
    return row ? BigInt(row.position) : null;
  }
}
