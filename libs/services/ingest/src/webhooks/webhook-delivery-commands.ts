import { Inject, Injectable } from '@nestjs/common';
import { InvalidInput, webhookDeliveriesStreamName, type ReplayWebhooksBody, type WebhookDeliveryEvent, type WebhookEndpointView } from '@hangar/contracts';
import { CLOCK, ID_GENERATOR, handleCommand, type Clock, type IdGenerator } from '@hangar/application';
import { endpointView, webhookDeliveriesDecider, type WebhookDeliveries, type WebhookDeliveryCommand } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import type { Caller } from '../auth/authenticator';
import { ProjectCommands } from '../projects/project-commands';

/**
 * The owner's requests on a project's deliveries, recorded in its `webhooks-<projectId>` stream; the dispatcher reacts
 * to them (it sends, ingest never does).
 */
@Injectable()
export class WebhookDeliveryCommands {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
  ) {}

  async resend(caller: Caller, projectId: string, deliveryId: string): Promise<{ deliveryId: string }> {
    await this.projects.owned(caller, projectId);
    await this.handle(caller, projectId, { type: 'RequestResend', projectId, deliveryId, at: this.now() });
    return { deliveryId };
  }

  async enableEndpoint(caller: Caller, projectId: string): Promise<{ webhookEndpoint: WebhookEndpointView }> {
    await this.projects.owned(caller, projectId);
    const state = await this.handle(caller, projectId, { type: 'EnableEndpoint', projectId, reason: 'enabled by the owner', at: this.now() });
    return { webhookEndpoint: endpointView(state) };
  }

  async replay(caller: Caller, projectId: string, body: ReplayWebhooksBody): Promise<{ replayId: string }> {
    await this.projects.owned(caller, projectId);
    if ((body.since === undefined) === (body.after === undefined)) throw new InvalidInput('give exactly one of since (an ISO time) and after (a position)');
    const replayId = this.ids.objectId();
    await this.handle(caller, projectId, {
      type: 'RequestReplay',
      projectId,
      replayId,
      since: body.since === undefined ? null : new Date(body.since).toISOString(),
      afterPosition: body.after ?? null,
      at: this.now(),
    });
    return { replayId };
  }

  private async handle(caller: Caller, projectId: string, command: WebhookDeliveryCommand): Promise<WebhookDeliveries> {
    const handled = await handleCommand<WebhookDeliveryCommand, WebhookDeliveryEvent, WebhookDeliveries>(
      this.store,
      webhookDeliveriesStreamName(projectId),
      webhookDeliveriesDecider,
      command,
      { actor: `user:${caller.userId}`, correlationId: projectId },
    );
    return handled.state;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
