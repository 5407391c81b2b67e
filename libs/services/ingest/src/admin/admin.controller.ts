import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { CreateUserBody, userStreamName } from '@hangar/contracts';
import { CLOCK, ID_GENERATOR, handleCommand, type Clock, type IdGenerator } from '@hangar/application';
import { userDecider } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { AdminToken } from '../auth/admin-token';
import { newApiKey } from '../auth/api-key';

@Controller('v1/admin')
export class AdminController {
  constructor(
    @Inject(AdminToken) private readonly adminToken: AdminToken,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Create a user; the API key is returned once and only its hash is stored. */
  @Post('users')
  @HttpCode(201)
  async createUser(@Headers('authorization') authorization: string | undefined, @Body() body: CreateUserBody) {
    this.adminToken.verify(authorization);
    const userId = this.ids.objectId();
    const { apiKey, hash } = newApiKey(userId);
    await handleCommand(
      this.store,
      userStreamName(userId),
      userDecider,
      { type: 'CreateUser', userId, name: body.name, apiKeyHash: hash, at: this.clock.now().toISOString() },
      { actor: 'admin', correlationId: userId },
    );
    return { userId, apiKey, name: body.name };
  }
}
