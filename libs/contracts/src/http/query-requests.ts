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
}
