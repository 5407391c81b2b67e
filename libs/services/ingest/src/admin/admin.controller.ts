import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { CreateUserBody, Subjects, userStreamName, type StorageCollectionReport } from '@hangar/contracts';
import { CLOCK, ID_GENERATOR, handleCommand, type Clock, type IdGenerator } from '@hangar/application';
import { userDecider } from '@hangar/domain';
import { MESSAGE_BUS, type MessageBus } from '@hangar/bus';
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
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
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

  /**
   * Chunk garbage collection on demand, in whichever process runs the repository: `200` with what the pass reclaimed
   * (a pass under way is waited for first). Passes also run on their own after every deletion.
   */
  @Post('storage/gc')
  @HttpCode(200)
  async collectGarbage(@Headers('authorization') authorization: string | undefined): Promise<StorageCollectionReport> {
    this.adminToken.verify(authorization);
    return this.bus.request<Record<string, never>, StorageCollectionReport>(Subjects.storageCollect, {}, { timeoutMs: COLLECTION_ANSWER_TIMEOUT_MS });
  }
}

/** A pass over a large store lists every chunk; the pass itself stops deleting after an hour. */
const COLLECTION_ANSWER_TIMEOUT_MS = 60 * 60 * 1000;
