import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  BuildNotFound,
  ProjectNotFound,
  Subjects,
  type BuildAsOfQuery,
  type BuildQuery,
  type BuildView,
  type ArchiveCandidatesQuery,
  type BuildsOfProjectQuery,
  type DistributeBuild,
  type RegionBuildsQuery,
  type Page,
  type ProjectAsOfQuery,
  type ProjectQuery,
  type ProjectView,
  type ProjectsOfUserQuery,
} from '@hangar/contracts';
import { StateAsOf } from '../as-of/state-as-of';
import { BuildProgressBoard } from '../progress/build-progress-board';
import { ReadModelStore } from '../read-model/read-model-store';
import { buildsServedIn } from './region-builds';

const MAX_LIMIT = 100;

/** The read side of the API, answered from the read models over request/reply. */
@Controller()
export class QueryController {
  constructor(
    @Inject(ReadModelStore) private readonly readModels: ReadModelStore,
    @Inject(BuildProgressBoard) private readonly progress: BuildProgressBoard,
    @Inject(StateAsOf) private readonly asOf: StateAsOf,
  ) {}

  @MessagePattern(Subjects.query('project.get'))
  async project({ projectId }: ProjectQuery): Promise<{ project: ProjectView; builds: BuildView[] }> {
    const project = this.readModels.project(projectId);
    if (!project) throw new ProjectNotFound(projectId);
    return { project, builds: this.readModels.buildsOf(projectId, 0, 10_000).items };
  }

  @MessagePattern(Subjects.query('project.asOf'))
  async projectAsOf({ projectId, asOf }: ProjectAsOfQuery): Promise<{ project: ProjectView; builds: BuildView[] }> {
    const state = await this.asOf.project(projectId, new Date(asOf));
    if (!state) throw new ProjectNotFound(projectId);
    return state;
  }

  @MessagePattern(Subjects.query('build.asOf'))
  async buildAsOf({ uploadId, asOf }: BuildAsOfQuery): Promise<BuildView> {
    const build = await this.asOf.build(uploadId, new Date(asOf));
    if (!build) throw new BuildNotFound(uploadId);
    return build;
  }

  @MessagePattern(Subjects.query('projects.list'))
  async projects(query: ProjectsOfUserQuery): Promise<Page<ProjectView>> {
    const { page, limit } = paging(query.page, query.limit, 20);
    const { items, total } = this.readModels.projectsOf(query.userId, (page - 1) * limit, limit);
    return { items, page, limit, total };
  }

  @MessagePattern(Subjects.query('build.get'))
  async build({ uploadId }: BuildQuery): Promise<BuildView> {
    const build = this.readModels.build(uploadId);
    if (!build) throw new BuildNotFound(uploadId);
    return this.progress.withProgress(build);
  }

  @MessagePattern(Subjects.query('builds.list'))
  async builds(query: BuildsOfProjectQuery): Promise<Page<BuildView>> {
    const { page, limit } = paging(query.page, query.limit, 20);
    const { items, total } = this.readModels.buildsOf(query.projectId, (page - 1) * limit, limit, query.status, query.tag, query.q);
    return { items, page, limit, total };
  }

  @MessagePattern(Subjects.query('archive.candidates'))
  async archiveCandidates({ idleBefore, limit }: ArchiveCandidatesQuery): Promise<string[]> {
    return this.readModels.archiveCandidates(idleBefore, Math.min(MAX_LIMIT, limit)).map((b) => b.uploadId);
  }

  @MessagePattern(Subjects.query('region.builds'))
  async regionBuilds({ region }: RegionBuildsQuery): Promise<DistributeBuild[]> {
    return buildsServedIn(this.readModels, region);
  }
}

function paging(page: number | undefined, limit: number | undefined, fallback: number) {
  return {
    page: Math.max(1, Math.floor(page ?? 1)),
    limit: Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit ?? fallback))),
  };
}
