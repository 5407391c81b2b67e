import Database from 'better-sqlite3';

/**
 * Open a SQLite file the way every Hangar table wants it: WAL so readers never block the writer, `synchronous=FULL`
 * so an acknowledged append survives a power cut, a busy timeout so two processes on one file wait for each other
 * instead of failing, and 64-bit integers returned as bigints (positions may exceed 2^53).
 */
export function openSqliteDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.defaultSafeIntegers(true);
  return db;
}

export function isUniqueViolation(error: unknown, column: string): boolean {
  return (
    error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes(column)
  );
}
