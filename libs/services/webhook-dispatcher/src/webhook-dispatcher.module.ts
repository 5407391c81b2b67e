import { Module } from '@nestjs/common';
import { WebhookDispatcherController } from './webhook-dispatcher.controller';

@Module({ controllers: [WebhookDispatcherController] })
export class WebhookDispatcherModule {}
