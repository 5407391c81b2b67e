import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ListWebhookDeliveriesQuery, ReplayWebhooksBody, Subjects, type Page, type WebhookDeliveriesQuery, type WebhookDeliveryView, type WebhookEndpointView } from '@hangar/contracts';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
import { Authenticator } from '../auth/authenticator';
import { ProjectCommands } from '../projects/project-commands';
import { WebhookDeliveryCommands } from './webhook-delivery-commands';

/** A project's webhook delivery log, resend, re-enable and replay: owner only (`Authorization: Bearer <apiKey>`). */
@Controller('v1/projects/:id')
export class WebhookDeliveriesController {
  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
    @Inject(WebhookDeliveryCommands) private readonly commands: WebhookDeliveryCommands,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  /** Answered by the webhook dispatcher, whose state the log is. */
  @Get('webhook-deliveries')
  async list(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Query() query: ListWebhookDeliveriesQuery) {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    return this.bus.request<WebhookDeliveriesQuery, Page<WebhookDeliveryView> & { endpoint: WebhookEndpointView }>(Subjects.webhookDeliveries, { projectId: id, ...query });
  }

  @Post('webhook-deliveries/:deliveryId/resend')
  @HttpCode(202)
  async resend(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    return this.commands.resend(await this.auth.withBearer(authorization), id, deliveryId);
  }

  @Post('webhook-endpoint/enable')
  @HttpCode(200)
  async enable(@Headers('authorization') authorization: string | undefined, @Param('id') id: string) {
    return this.commands.enableEndpoint(await this.auth.withBearer(authorization), id);
  }

  @Post('webhooks/replay')
  @HttpCode(202)
  async replay(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Body() body: ReplayWebhooksBody) {
    return this.commands.replay(await this.auth.withBearer(authorization), id, body);
  }
}
