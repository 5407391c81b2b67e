import Database from 'better-sqlite3';
import type { BuildView, ProjectView } from '@hangar/contracts';

/**
 * The query service's read models: documents derived from the event stream, with the position they are derived up
 * to, in one SQLite file per query instance. Events' changes and the checkpoint commit in one transaction, so a
 * crash never applies an event twice or skips one. Delete the file and the projection rebuilds from position 0.
 */
export class ReadModelStore {
  private readonly db: Database.Database;
  private readonly statements;

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
    this.statements = {
      checkpoint: this.db.prepare<[string], { position: string }>('SELECT position FROM checkpoint WHERE name = ?'),
      putCheckpoint: this.db.prepare('INSERT INTO checkpoint (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position'),
      project: this.db.prepare<[string], { doc: string }>('SELECT doc FROM projects WHERE id = ?'),
      build: this.db.prepare<[string], { doc: string }>('SELECT doc FROM builds WHERE upload_id = ?'),
      putProject: this.db.prepare('INSERT INTO projects (id, owner_id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc'),
      putBuild: this.db.prepare('INSERT INTO builds (upload_id, project_id, created_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT(upload_id) DO UPDATE SET doc = excluded.doc'),
      deleteBuild: this.db.prepare('DELETE FROM builds WHERE upload_id = ?'),
    };
  }

  checkpoint(): bigint | null {
    const row = this.statements.checkpoint.get('projection');
    return row ? BigInt(row.position) : null;
  }

  /**
   * Apply `changes` and move the checkpoint, atomically. Documents read and written during the call are kept in
   * memory and written once at the end: a page of events touching one build ten times writes it once.
   */
  commit(position: bigint, changes: (tx: ReadModelTransaction) => void): void {
    this.db.transaction(() => {
      const projects = new Map<string, ProjectView | null>();
      const builds = new Map<string, BuildView | null>();
      const dirtyProjects = new Set<string>();
      const dirtyBuilds = new Set<string>();
      changes({
        project: (id) => {
          if (!projects.has(id)) projects.set(id, this.project(id));
          return projects.get(id)!;
        },
        build: (uploadId) => {
          if (!builds.has(uploadId)) builds.set(uploadId, this.build(uploadId));
          return builds.get(uploadId)!;
        },
        putProject: (p) => (projects.set(p.id, p), dirtyProjects.add(p.id)),
        putBuild: (b) => (builds.set(b.uploadId, b), dirtyBuilds.add(b.uploadId)),
        deleteBuild: (uploadId) => (builds.set(uploadId, null), dirtyBuilds.add(uploadId)),
      });
      for (const id of dirtyProjects) {
        const p = projects.get(id)!;
        this.statements.putProject.run(p.id, p.ownerId, p.createdAt, JSON.stringify(p));
      }
      for (const uploadId of dirtyBuilds) {
        const b = builds.get(uploadId);
        if (b) this.statements.putBuild.run(b.uploadId, b.projectId, b.createdAt, JSON.stringify(b));
        else this.statements.deleteBuild.run(uploadId);
      }
      this.statements.putCheckpoint.run('projection', position.toString());
    })();
  }

  project(id: string): ProjectView | null {
    const row = this.statements.project.get(id);
    return row ? (JSON.parse(row.doc) as ProjectView) : null;
  }

  build(uploadId: string): BuildView | null {
    const row = this.statements.build.get(uploadId);
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
