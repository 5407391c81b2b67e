import Database from 'better-sqlite3';

/** One stored message as the log hands it to a consumer. */
export interface LoggedMessage {
  seq: number;
  id: string;
  subject: string;
  data: unknown;
  headers: Record<string, string>;
  deliveryCount: number;
}

export interface MessageLogLimits {
  duplicateWindowMs: number;
  /** Messages every group has acked are dropped after this age. */
  retentionMs: number;
  /** Every message is dropped after this age, acked or not: the bound on a group that never comes back. */
  maxAgeMs: number;
}

interface MessageRow {
  seq: number;
  id: string;
  subject: string;
  data: string;
  headers: string;
  delivery_count?: number;
}

/**
 * The embedded bus's durable state in one SQLite file: the messages, the ids seen within the duplicate window, a
 * cursor per durable consumer (group + subject pattern) and the deliveries that are not acked yet. A delivery is
 * written (in flight) before its handler runs, so a process that dies mid-handler finds it again on the next open.
 * One EmbeddedBus per file at a time: opening the file declares every earlier in-flight delivery abandoned.
 */
export class EmbeddedMessageLog {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(
    file: string,
    private readonly limits: MessageLogLimits,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a publish that resolved survives a power cut too, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,
        headers TEXT NOT NULL,
        published_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS messages_by_age ON messages (published_at);
      CREATE TABLE IF NOT EXISTS message_ids (id TEXT PRIMARY KEY, published_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS message_ids_by_age ON message_ids (published_at);
      CREATE TABLE IF NOT EXISTS consumers (
        grp TEXT NOT NULL,
        subject TEXT NOT NULL,
        cursor INTEGER NOT NULL,
        PRIMARY KEY (grp, subject)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS deliveries (
        grp TEXT NOT NULL,
        subject TEXT NOT NULL,
        seq INTEGER NOT NULL,
        delivery_count INTEGER NOT NULL,
        in_flight INTEGER NOT NULL,
        available_at INTEGER NOT NULL,
        PRIMARY KEY (grp, subject, seq)
      ) WITHOUT ROWID;
    `);
    this.statements = {
      lastPublishOf: this.db.prepare<[string], { published_at: number }>('SELECT published_at FROM message_ids WHERE id = ?'),
      rememberId: this.db.prepare('INSERT OR REPLACE INTO message_ids (id, published_at) VALUES (?, ?)'),
      insertMessage: this.db.prepare('INSERT INTO messages (id, subject, data, headers, published_at) VALUES (?, ?, ?, ?, ?)'),
      ensureConsumer: this.db.prepare('INSERT OR IGNORE INTO consumers (grp, subject, cursor) VALUES (?, ?, 0)'),
      ensureConsumerAtEnd: this.db.prepare(
        'INSERT OR IGNORE INTO consumers (grp, subject, cursor) VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) FROM messages))',
      ),
      cursorOf: this.db.prepare<[string, string], { cursor: number }>('SELECT cursor FROM consumers WHERE grp = ? AND subject = ?'),
      moveCursor: this.db.prepare('UPDATE consumers SET cursor = ? WHERE grp = ? AND subject = ?'),
      messagesAfter: this.db.prepare<[number, number], MessageRow>(
        'SELECT seq, id, subject, data, headers FROM messages WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      insertDelivery: this.db.prepare(
        'INSERT INTO deliveries (grp, subject, seq, delivery_count, in_flight, available_at) VALUES (?, ?, ?, 1, 1, 0)',
      ),
      dueRetry: this.db.prepare<[string, string, number], MessageRow>(`
        SELECT m.seq, m.id, m.subject, m.data, m.headers, d.delivery_count
        FROM deliveries d JOIN messages m ON m.seq = d.seq
        WHERE d.grp = ? AND d.subject = ? AND d.in_flight = 0 AND d.available_at <= ?
        ORDER BY d.seq LIMIT 1`),
      startRedelivery: this.db.prepare(
        'UPDATE deliveries SET delivery_count = delivery_count + 1, in_flight = 1 WHERE grp = ? AND subject = ? AND seq = ?',
      ),
      nextRetryAt: this.db.prepare<[string, string], { at: number | null }>(
        'SELECT MIN(available_at) AS at FROM deliveries WHERE grp = ? AND subject = ? AND in_flight = 0',
      ),
      unackedCount: this.db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE grp = ? AND subject = ?'),
      ack: this.db.prepare('DELETE FROM deliveries WHERE grp = ? AND subject = ? AND seq = ?'),
      nak: this.db.prepare('UPDATE deliveries SET in_flight = 0, available_at = ? WHERE grp = ? AND subject = ? AND seq = ?'),
      abandonInFlight: this.db.prepare('UPDATE deliveries SET in_flight = 0 WHERE in_flight = 1'),
      forgetIds: this.db.prepare('DELETE FROM message_ids WHERE published_at < ?'),
      pruneAcked: this.db.prepare(`
        DELETE FROM messages WHERE published_at < ?
          AND seq <= COALESCE((SELECT MIN(cursor) FROM consumers), seq)
          AND seq NOT IN (SELECT seq FROM deliveries)`),
      pruneExpired: this.db.prepare('DELETE FROM messages WHERE published_at < ?'),
      dropOrphanDeliveries: this.db.prepare('DELETE FROM deliveries WHERE seq NOT IN (SELECT seq FROM messages)'),
    };
    // Whoever had these in flight is gone (a crash, or a close while a handler hung): deliver them again.
    this.statements.abandonInFlight.run();
  }

  /** Stores the message unless its id was published within the duplicate window. Returns whether it was stored. */
  append(message: { id: string; subject: string; data: unknown; headers: Record<string, string> }, now: number): boolean {
    return this.db.transaction(() => {
      const previous = this.statements.lastPublishOf.get(message.id);
      if (previous && previous.published_at > now - this.limits.duplicateWindowMs) return false;
      this.statements.rememberId.run(message.id, now);
      this.statements.insertMessage.run(
        message.id,
        message.subject,
        JSON.stringify(message.data ?? null),
        JSON.stringify(message.headers),
        now,
      );
      return true;
    })();
  }

  /** Creates the durable consumer, unless it exists, at the start of the retained messages (`first`) or past them. */
  ensureConsumer(group: string, subject: string, startAt: 'first' | 'new' = 'first'): void {
    (startAt === 'new' ? this.statements.ensureConsumerAtEnd : this.statements.ensureConsumer).run(group, subject);
  }

  /** The oldest failed delivery whose retry delay is over, now marked in flight again with its count raised. */
  claimDueRetry(group: string, subject: string, now: number): LoggedMessage | undefined {
    return this.db.transaction(() => {
      const row = this.statements.dueRetry.get(group, subject, now);
      if (!row) return undefined;
      this.statements.startRedelivery.run(group, subject, row.seq);
      return toLoggedMessage(row, (row.delivery_count ?? 0) + 1);
    })();
  }

  /** The next message past the consumer's cursor that matches, recorded in flight; the cursor moves past it. */
  claimNext(group: string, subject: string, matches: (subject: string) => boolean): LoggedMessage | undefined {
    const batch = 256;
    return this.db.transaction(() => {
      let cursor = this.statements.cursorOf.get(group, subject)?.cursor ?? 0;
      for (;;) {
        const rows = this.statements.messagesAfter.all(cursor, batch);
        for (const row of rows) {
          cursor = row.seq;
          if (!matches(row.subject)) continue;
          this.statements.moveCursor.run(cursor, group, subject);
          this.statements.insertDelivery.run(group, subject, row.seq);
          return toLoggedMessage(row, 1);
        }
        this.statements.moveCursor.run(cursor, group, subject);
        if (rows.length < batch) return undefined;
      }
    })();
  }

  /** Deliveries not acked yet (in flight or waiting for a retry): what `concurrency` bounds, as max ack pending. */
  unackedCount(group: string, subject: string): number {
    return this.statements.unackedCount.get(group, subject)?.n ?? 0;
  }

  nextRetryAt(group: string, subject: string): number | undefined {
    return this.statements.nextRetryAt.get(group, subject)?.at ?? undefined;
  }

  ack(group: string, subject: string, seq: number): void {
    this.statements.ack.run(group, subject, seq);
  }

  nak(group: string, subject: string, seq: number, retryAt: number): void {
    this.statements.nak.run(retryAt, group, subject, seq);
  }

  prune(now: number): void {
    this.db.transaction(() => {
      this.statements.forgetIds.run(now - this.limits.duplicateWindowMs);
      this.statements.pruneAcked.run(now - this.limits.retentionMs);
      const expired = this.statements.pruneExpired.run(now - this.limits.maxAgeMs);
      if (expired.changes) this.statements.dropOrphanDeliveries.run();
    })();
  }

  close(): void {
    this.db.close();
  }
}

function toLoggedMessage(row: MessageRow, deliveryCount: number): LoggedMessage {
  return {
    seq: row.seq,
    id: row.id,
    subject: row.subject,
    data: JSON.parse(row.data),
    headers: JSON.parse(row.headers),
    deliveryCount,
  };
}
