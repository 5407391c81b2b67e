import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DuplicateEventId } from '../../append/append.errors';
import { assertNotEmpty, checkExpectedRevision } from '../../append/expected-revision';
import type { EventMetadata } from '@hangar/contracts';
import type {
  AllSubscription,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
} from '../../port/event-store.port';
import { AppendSignal, SqliteAllSubscription } from './sqlite-all-subscription';
import { isUniqueViolation, openSqliteDatabase } from './sqlite-database';

export interface SqliteEventStoreOptions {
  /** How often a subscription looks for events appended by another process (default 250 ms). */
  pollIntervalMs?: number;
  /** Events a subscription reads per query while catching up (default 500). */
  subscriptionPageSize?: number;
}

/** A row as the read statements return it: an array in COLUMNS order (raw rows are ~3× faster to read than objects). */
type EventRow = [position: bigint, id: string, stream: string, revision: bigint, type: string, data: string, metadata: string, recordedAt: bigint];

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, revision)
  )`;

const COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at';

/**
 * The embedded event store: one SQLite file (or `:memory:` for tests). Positions are the table's AUTOINCREMENT
 * rowids, so they strictly increase and are never reused, even after deletions.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly signal = new AppendSignal();
  private readonly subscriptions = new Set<SqliteAllSubscription>();
  private readonly pollIntervalMs: number;
  private readonly subscriptionPageSize: number;
  private readonly statements;
  private readonly appendInTransaction;

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.subscriptionPageSize = options.subscriptionPageSize ?? 500;
    this.db = openSqliteDatabase(file);
    this.db.exec(SCHEMA);
    this.statements = {
      lastRevision: this.db.prepare<[string], { revision: bigint }>(
        'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readStream: this.db.prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE stream = ? ORDER BY revision`).raw(true),
      readAll: this.db
        .prepare<[bigint, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
        .raw(true),
    };
    this.appendInTransaction = this.db.transaction(this.appendRows.bind(this));
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertNotEmpty(stream, events);
    let result: AppendResult;
    try {
      // IMMEDIATE takes the write lock before reading the stream's revision: another process cannot slip in between.
      result = this.appendInTransaction.immediate(stream, events, expected);
    } catch (error) {
      if (isUniqueViolation(error, 'events.id')) throw new DuplicateEventId(stream, { cause: error });
      throw error;
    }
    this.signal.notify();
    return result;
  }

  async readStream(stream: string): Promise<RecordedEvent[]> {
    return this.statements.readStream.all(stream).map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readPage(options.after, options.limit);
  }

  subscribeToAll(options: { after?: bigint } = {}): AllSubscription {
    const subscription = new SqliteAllSubscription({
      after: options.after,
      pageSize: this.subscriptionPageSize,
      pollIntervalMs: this.pollIntervalMs,
      readPage: (after, limit) => this.readPage(after, limit),
      signal: this.signal,
      onEnd: (ended) => this.subscriptions.delete(ended),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.db.open) this.db.close();
  }

  private appendRows(stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult {
    const current = this.statements.lastRevision.get(stream)?.revision ?? null;
    checkExpectedRevision(stream, expected, current);
    const recordedAt = Date.now();
    let revision = current ?? -1n;
    let position = 0n;
    for (const event of events) {
      revision += 1n;
      const inserted = this.statements.insert.run(
        event.id ?? randomUUID(),
        stream,
        revision,
        event.type,
        JSON.stringify(event.data ?? null),
        JSON.stringify(event.metadata ?? {}),
        recordedAt,
      );
      position = BigInt(inserted.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
  }

  private readPage(after: bigint | undefined, limit: number | undefined): RecordedEvent[] {
    // LIMIT -1 is SQLite for "no limit".
    return this.statements.readAll.all(after ?? -1n, limit ?? -1).map(toRecordedEvent);
  }
}

function toRecordedEvent([position, id, stream, revision, type, data, metadata, recordedAt]: EventRow): RecordedEvent {
  return {
    id,
    stream,
    type,
    data: JSON.parse(data) as unknown,
    metadata: JSON.parse(metadata) as EventMetadata,
    revision,
    position,
    recordedAt: new Date(Number(recordedAt)),
  };
}
