import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateProjectBody, InvalidInput, ListBuildsQuery, UpdateProjectBody } from '@hangar/contracts';
import { Authenticator } from '../auth/authenticator';
import { QueryClient } from '../query-client/query-client';
import { ProjectCommands } from './project-commands';

/** Hangar's own REST API for projects and builds: `Authorization: Bearer <apiKey>`. */
@Controller('v1')
export class ProjectsController {
  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
    @Inject(QueryClient) private readonly query: QueryClient,
  ) {}

  @Post('projects')
  @HttpCode(201)
  async create(@Headers('authorization') authorization: string | undefined, @Body() body: CreateProjectBody) {
    return this.projects.create(await this.auth.withBearer(authorization), body);
  }

  @Patch('projects/:id')
  async update(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Body() body: UpdateProjectBody) {
    return this.projects.update(await this.auth.withBearer(authorization), id, body);
  }

  @Post('projects/:id/webhook-secret/rotate')
  @HttpCode(200)
  async rotateWebhookSecret(@Headers('authorization') authorization: string | undefined, @Param('id') id: string) {
    return this.projects.rotateWebhookSecret(await this.auth.withBearer(authorization), id);
  }

  /** With `asOf`: the project then, with every build it had and each one's state then (docs/audit.md). */
  @Get('projects/:id')
  async get(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Query('asOf') asOf: string | undefined) {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    if (asOf === undefined) return (await this.query.project(id)).project;
    const time = parseAsOf(asOf);
    const { project, builds } = await this.query.projectAsOf(id, time);
    return { ...project, asOf: time, builds };
  }

  @Get('projects/:id/builds')
  async builds(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Query() query: ListBuildsQuery) {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    return this.query.builds({ projectId: id, ...query });
  }

  @Get('builds/:uploadId')
  async build(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string, @Query('asOf') asOf: string | undefined) {
    const caller = await this.auth.withBearer(authorization);
    const build = asOf === undefined ? await this.query.build(uploadId) : await this.query.buildAsOf(uploadId, parseAsOf(asOf));
    await this.projects.owned(caller, build.projectId);
    return build;
  }
}

/** An ISO 8601 time with a date, as the canonical ISO string; anything else is a 400. */
function parseAsOf(value: string): string {
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) throw new InvalidInput('asOf must be an ISO 8601 time, e.g. 2026-11-22T10:00:00Z');
  return time.toISOString();
}
