import { Module } from '@nestjs/common';
import { WEBHOOK_SECRET_VAULT, WebhookSecretVault } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { DeliveryScheduler } from './delivery-scheduler';
import { WebhookDeliveryRequestsController } from './webhook-delivery-requests.controller';
import { WebhookDispatcherController } from './webhook-dispatcher.controller';

@Module({
  controllers: [WebhookDispatcherController, WebhookDeliveryRequestsController],
  providers: [
    DeliveryScheduler,
    { provide: WEBHOOK_SECRET_VAULT, useFactory: (config: HangarConfig) => WebhookSecretVault.fromConfig(config), inject: [HANGAR_CONFIG] }],
})
export class WebhookDispatcherModule {}
