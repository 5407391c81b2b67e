import { Module } from '@nestjs/common';
import { WEBHOOK_SECRET_VAULT, WebhookSecretVault } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { APP_FILTER } from '@nestjs/core';
import { AdminController } from './admin/admin.controller';
import { AuditController } from './audit/audit.controller';
import { AdminToken } from './auth/admin-token';
import { Authenticator } from './auth/authenticator';
import { BuildCommands } from './builds/build-commands';
import { BuildsController } from './builds/builds.controller';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { HangarExceptionFilter } from './http/hangar-exception.filter';
import { OpenApiController } from './openapi/openapi.controller';
import { PixelStripeController } from './pixel-stripe/pixel-stripe.controller';
import { ProjectCommands } from './projects/project-commands';
import { ProjectsController } from './projects/projects.controller';
import { QueryClient } from './query-client/query-client';
import { WebhookDeliveriesController } from './webhooks/webhook-deliveries.controller';
import { WebhookDeliveryCommands } from './webhooks/webhook-delivery-commands';

/** The HTTP front door: commands go to the event store, reads to the query service over the bus. */
@Module({
  controllers: [HealthController, AdminController, ProjectsController, BuildsController, PixelStripeController, WebhookDeliveriesController, EventsController, AuditController, OpenApiController],
  providers: [
    AdminToken,
    Authenticator,
    ProjectCommands,
    BuildCommands,
    WebhookDeliveryCommands,
    QueryClient,
    { provide: APP_FILTER, useClass: HangarExceptionFilter },
    { provide: WEBHOOK_SECRET_VAULT, useFactory: (config: HangarConfig) => WebhookSecretVault.fromConfig(config), inject: [HANGAR_CONFIG] },
  ],
})
export class IngestModule {}
