import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import {
  DistributeFileBody,
  PixelStripeQuery,
  Subjects,
  TestWebhookBody,
  UploadFileBody,
  type WebhookTestResult,
} from '@hangar/contracts';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { Authenticator } from '../auth/authenticator';
import { BuildCommands } from '../builds/build-commands';
import { ProjectCommands } from '../projects/project-commands';
import { QueryClient } from '../query-client/query-client';
import { pixelStripeProject } from './pixel-stripe-views';

/**
 * The Streampixel-compatible API (`/pixelStripeApi`), same bodies, responses and messages as the reference. Unlike
 * Streampixel, every GET needs the API key too.
 */
@Controller('pixelStripeApi/projects')
export class PixelStripeController {
  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
    @Inject(BuildCommands) private readonly builds: BuildCommands,
    @Inject(QueryClient) private readonly query: QueryClient,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  @Post('upload-file')
  @HttpCode(201)
  async uploadFile(@Body() body: UploadFileBody) {
    const caller = await this.auth.withUserAndKey(body.userId, body.apiKey);
    const uploadId = await this.builds.queue(caller, body.projectId, body.fileUrl, body.autoRelease, { sha256: body.sha256, size: body.size });
    return { message: 'Build queued for processing', uploadId };
  }

  @Post('distribute-file')
  @HttpCode(200)
  async distributeFile(@Body() body: DistributeFileBody) {
    const caller = await this.auth.withUserAndKey(body.userId, body.apiKey);
    await this.builds.distribute(caller, body.projectId, body.uploadId);
    return { message: 'Distribution triggered' };
  }

  @Post('test-webhook')
  @HttpCode(200)
  async testWebhook(@Body() body: TestWebhookBody): Promise<WebhookTestResult> {
    const caller = await this.auth.withUserAndKey(body.userId, body.apiKey);
    const project = await this.projects.owned(caller, body.projectId);
    if (!project.webhookUrl) throw new NotFoundException('No webhook URL configured');
    return this.bus.request<{ projectId: string }, WebhookTestResult>(Subjects.webhookTest, { projectId: body.projectId }, { timeoutMs: 30_000 });
  }

  @Get('projects-status')
  async projectsStatus(@Query() q: PixelStripeQuery) {
    const caller = await this.auth.withUserAndKey(q.userId, q.apikey);
    const page = await this.query.projects({ userId: caller.userId, page: 1, limit: 100 });
    return {
      totalProjects: page.total,
      projects: page.items.map((p) => ({ _id: p.id, name: p.name, status: true, subscriptionStatus: 'active' })),
    };
  }

  @Get('userStats/:projectId')
  async userStats(@Param('projectId') projectId: string, @Query('userId') userId?: string, @Query('apikey') apikey?: string) {
    if (!projectId || !userId || !apikey) throw new BadRequestException('projectId, userId and apikey are required');
    const caller = await this.auth.withUserAndKey(userId, apikey);
    await this.projects.owned(caller, projectId);
    // Hangar does not run streaming sessions itself: nobody is live or queued through it.
    return { liveUser: 0, queueUser: 0 };
  }

  @Get(':id')
  async project(@Param('id') id: string, @Query() q: PixelStripeQuery) {
    const caller = await this.auth.withUserAndKey(q.userId, q.apikey);
    await this.projects.owned(caller, id);
    const { project, builds } = await this.query.project(id);
    return pixelStripeProject(project, builds);
  }

  @Get()
  async list(@Query() q: PixelStripeQuery) {
    const caller = await this.auth.withUserAndKey(q.userId, q.apikey);
    const page = await this.query.projects({ userId: caller.userId, page: q.page ?? 1, limit: q.limit ?? 20 });
    return {
      projects: page.items.map((p) => ({ id: p.id, name: p.name, region: p.region, status: true, createdAt: p.createdAt, updatedAt: p.updatedAt })),
      page: page.page,
      totalPages: Math.max(1, Math.ceil(page.total / page.limit)),
      totalProjects: page.total,
    };
  }
}
