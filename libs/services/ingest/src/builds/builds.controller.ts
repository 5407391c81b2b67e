import { Body, Controller, Delete, Headers, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { CopyBuildBody, TagBuildBody } from '@hangar/contracts';
import { Authenticator } from '../auth/authenticator';
import { QueryClient } from '../query-client/query-client';
import { BuildCommands } from './build-commands';

/** Managing a build on Hangar's own REST API (Streampixel's Builds page: set live, roll back, tag, delete). */
@Controller('v1/builds')
export class BuildsController {
  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(BuildCommands) private readonly builds: BuildCommands,
    @Inject(QueryClient) private readonly query: QueryClient,
  ) {}

  /** Accepted, not done: the build goes live once the workers have it again (`liveUploadId` then shows it). */
  @Post(':uploadId/live')
  @HttpCode(202)
  async setLive(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string) {
    await this.builds.setLive(await this.auth.withBearer(authorization), uploadId);
    return this.query.build(uploadId);
  }

  /** Accepted: the copy then moves through the stages in its project (its webhooks fire there). */
  @Post(':uploadId/copy')
  @HttpCode(202)
  async copy(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string, @Body() body: CopyBuildBody) {
    const copyId = await this.builds.copy(await this.auth.withBearer(authorization), uploadId, body.projectId, body.autoRelease);
    return { uploadId: copyId, projectId: body.projectId, copiedFrom: uploadId };
  }

  @Put(':uploadId/tag')
  @HttpCode(204)
  async tag(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string, @Body() body: TagBuildBody) {
    await this.builds.tag(await this.auth.withBearer(authorization), uploadId, body.tag);
  }

  @Delete(':uploadId')
  @HttpCode(204)
  async delete(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string) {
    await this.builds.delete(await this.auth.withBearer(authorization), uploadId);
  }
}
