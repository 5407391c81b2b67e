import { Inject, Injectable } from '@nestjs/common';
import { isObjectId, userStreamName, type UserEvent } from '@hangar/contracts';
import { loadState } from '@hangar/application';
import { userDecider, type User } from '@hangar/domain';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { secretMatches, userIdOfApiKey } from './api-key';
import { InvalidApiKey, InvalidUser } from './auth-errors';

export interface Caller {
  userId: string;
}

/** Checks a caller's API key against the hash in the user's stream. */
@Injectable()
export class Authenticator {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Streampixel style: `userId` and `apiKey` given separately. */
  async withUserAndKey(userId: string, apiKey: string): Promise<Caller> {
    if (!isObjectId(userId)) throw new InvalidUser();
    const user = await loadState<UserEvent, User>(this.store, userStreamName(userId), userDecider);
    if (!user.exists) throw new InvalidUser();
    if (userIdOfApiKey(apiKey) !== userId || !secretMatches(apiKey, user.apiKeyHash)) throw new InvalidApiKey();
    return { userId };
  }

  /** Hangar style: `Authorization: Bearer <apiKey>`. */
  async withBearer(authorization: string | undefined): Promise<Caller> {
    const apiKey = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const userId = apiKey ? userIdOfApiKey(apiKey) : null;
    if (!apiKey || !userId) throw new InvalidApiKey();
    return this.withUserAndKey(userId, apiKey);
  }
}
