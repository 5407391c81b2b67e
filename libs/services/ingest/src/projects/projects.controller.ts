import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateProjectBody, ListBuildsQuery, UpdateProjectBody } from '@hangar/contracts';
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

  @Get('projects/:id')
  async get(@Headers('authorization') authorization: string | undefined, @Param('id') id: string) {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    return (await this.query.project(id)).project;
  }

  @Get('projects/:id/builds')
  async builds(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Query() query: ListBuildsQuery) {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    return this.query.builds({ projectId: id, ...query });
  }

  @Get('builds/:uploadId')
  async build(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string) {
    const caller = await this.auth.withBearer(authorization);
    const build = await this.query.build(uploadId);
    await this.projects.owned(caller, build.projectId);
    return build;
  }
}
