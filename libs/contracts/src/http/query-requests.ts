/** What the query service answers on `query.*` (request/reply). */
export interface ProjectQuery {
  projectId: string;
}
export interface ProjectsOfUserQuery {
  userId: string;
  page?: number;
  limit?: number;
}
export interface BuildQuery {
  uploadId: string;
}
export interface BuildsOfProjectQuery {
  projectId: string;
  page?: number;
  limit?: number;
  status?: string;
  /** Only builds with exactly this tag. */
  tag?: string;
  /** Text search (case-insensitive) in the tag, upload id, Unreal project name and objection. */
  q?: string;
}
/** Builds at rest (approved or held, not live, not archived) whose read model has not changed since `idleBefore`. */
export interface ArchiveCandidatesQuery {
  idleBefore: string;
  limit: number;
}
/** State as of a time: the read models replayed from the events the store held at `asOf` (an ISO time). */
export interface ProjectAsOfQuery {
  projectId: string;
  asOf: string;
}
export interface BuildAsOfQuery {
  uploadId: string;
  asOf: string;
}
