import { Inject, Injectable } from '@nestjs/common';
import {
  Subjects,
  type BuildAsOfQuery,
  type BuildQuery,
  type BuildView,
  type BuildsOfProjectQuery,
  type Page,
  type ProjectAsOfQuery,
  type ProjectQuery,
  type ProjectView,
  type ProjectsOfUserQuery,
} from '@hangar/contracts';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';

/** The read side lives in the query service; ingest asks it over the bus (request/reply, any query instance answers). */
@Injectable()
export class QueryClient {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  project(projectId: string) {
    return this.bus.request<ProjectQuery, { project: ProjectView; builds: BuildView[] }>(Subjects.query('project.get'), { projectId });
  }
  projectAsOf(projectId: string, asOf: string) {
    return this.bus.request<ProjectAsOfQuery, { project: ProjectView; builds: BuildView[] }>(Subjects.query('project.asOf'), { projectId, asOf });
  }
  buildAsOf(uploadId: string, asOf: string) {
    return this.bus.request<BuildAsOfQuery, BuildView>(Subjects.query('build.asOf'), { uploadId, asOf });
  }
  projects(query: ProjectsOfUserQuery) {
    return this.bus.request<ProjectsOfUserQuery, Page<ProjectView>>(Subjects.query('projects.list'), query);
  }
  build(uploadId: string) {
    return this.bus.request<BuildQuery, BuildView>(Subjects.query('build.get'), { uploadId });
  }
  builds(query: BuildsOfProjectQuery) {
    return this.bus.request<BuildsOfProjectQuery, Page<BuildView>>(Subjects.query('builds.list'), query);
  }
}
