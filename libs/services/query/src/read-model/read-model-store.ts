import Database from 'better-sqlite3';
import type { BuildView, ProjectView } from '@hangar/contracts';

/**
 * The query service's read models: documents derived from the event stream, with the position they are derived up
 * to, in one SQLite file per query instance. Each event's changes and the checkpoint commit in one transaction, so a
 * crash never applies an event twice or skips one. Delete the file and the projection rebuilds from position 0.
 */
export class ReadModelStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS checkpoint (name TEXT PRIMARY KEY, position TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS projects_owner ON projects (owner_id, created_at);
      CREATE TABLE IF NOT EXISTS builds (upload_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS builds_project ON builds (project_id, created_at);
    `);
  }

  checkpoint(): bigint | null {
    const row = this.db.prepare('SELECT position FROM checkpoint WHERE name = ?').get('projection') as { position: string } | undefined;
    return row ? BigInt(row.position) : null;
  }

  /** Apply `changes` and move the checkpoint, atomically. */
  commit(position: bigint, changes: (tx: ReadModelTransaction) => void): void {
    this.db.transaction(() => {
      changes(this.transaction);
      this.db.prepare('INSERT INTO checkpoint (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position').run('projection', position.toString());
    })();
  }

  private readonly transaction: ReadModelTransaction = {
    project: (id) => this.project(id),
    build: (id) => this.build(id),
    putProject: (p) =>
      void this.db
        .prepare('INSERT INTO projects (id, owner_id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc')
        .run(p.id, p.ownerId, p.createdAt, JSON.stringify(p)),
    putBuild: (b) =>
      void this.db
        .prepare('INSERT INTO builds (upload_id, project_id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT(upload_id) DO UPDATE SET doc = excluded.doc')
        .run(b.uploadId, b.projectId, b.createdAt, JSON.stringify(b)),
    deleteBuild: (uploadId) => void this.db.prepare('DELETE FROM builds WHERE upload_id = ?').run(uploadId),
  };

  project(id: string): ProjectView | null {
    const row = this.db.prepare('SELECT doc FROM projects WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ProjectView) : null;
  }

  build(uploadId: string): BuildView | null {
    const row = this.db.prepare('SELECT doc FROM builds WHERE upload_id = ?').get(uploadId) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as BuildView) : null;
  }

  projectsOf(ownerId: string, offset: number, limit: number): { items: ProjectView[]; total: number } {
    const total = (this.db.prepare('SELECT COUNT(*) AS n FROM projects WHERE owner_id = ?').get(ownerId) as { n: number }).n;
    const rows = this.db
      .prepare('SELECT doc FROM projects WHERE owner_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?')
      .all(ownerId, limit, offset) as { doc: string }[];
    return { items: rows.map((r) => JSON.parse(r.doc) as ProjectView), total };
  }

  /** Every project of a region (few per region: a worker's catch-up reads them once when it joins). */
  projectsIn(region: string): ProjectView[] {
    const rows = this.db.prepare(`SELECT doc FROM projects WHERE json_extract(doc, '$.region') = ? ORDER BY created_at, id`).all(region) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as ProjectView);
  }

  /** Builds at rest and not live whose document has not changed since `idleBefore` (ISO time), oldest first. */
  archiveCandidates(idleBefore: string, limit: number): BuildView[] {
    const rows = this.db
      .prepare(
        `SELECT doc FROM builds
         WHERE json_extract(doc, '$.live') = 0 AND coalesce(json_extract(doc, '$.archived'), 0) = 0
           AND coalesce(json_extract(doc, '$.goingLive'), 0) = 0 AND json_extract(doc, '$.updatedAt') < ?
           AND (json_extract(doc, '$.status') = 'Approved' OR (json_extract(doc, '$.status') = 'Saving to Repository' AND json_extract(doc, '$.stored') = 1))
         ORDER BY json_extract(doc, '$.updatedAt') LIMIT ?`,
      )
      .all(idleBefore, limit) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as BuildView);
  }

  /** A project's builds, newest first, optionally of one raw status, one tag, and containing a text. */
  buildsOf(projectId: string, offset: number, limit: number, status?: string, tag?: string, text?: string): { items: BuildView[]; total: number } {
    let filter = '';
    const args: unknown[] = [projectId];
    if (status) {
      filter += ` AND json_extract(doc, '$.status') = ?`;
      args.push(status);
    }
    if (tag) {
      filter += ` AND json_extract(doc, '$.tag') = ?`;
      args.push(tag);
    }
    if (text) {
      // instr, not LIKE: the user's text is matched as it is (no % or _ wildcards to escape).
      const searched = ['$.tag', '$.uploadId', '$.scan.projectName', '$.objection'].map((path) => `instr(lower(coalesce(json_extract(doc, '${path}'), '')), ?) > 0`);
      filter += ` AND (${searched.join(' OR ')})`;
      args.push(...searched.map(() => text.toLowerCase()));
    }
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM builds WHERE project_id = ?${filter}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT doc FROM builds WHERE project_id = ?${filter} ORDER BY created_at DESC, upload_id DESC LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as { doc: string }[];
    return { items: rows.map((r) => JSON.parse(r.doc) as BuildView), total };
  }

  close(): void {
    this.db.close();
  }
}

export interface ReadModelTransaction {
  project(id: string): ProjectView | null;
  build(uploadId: string): BuildView | null;
  putProject(project: ProjectView): void;
  putBuild(build: BuildView): void;
  deleteBuild(uploadId: string): void;
}
