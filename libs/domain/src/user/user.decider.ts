import type { UserEvent } from '@hangar/contracts';
import type { Decider } from '../decider/decider';

export type UserCommand = { type: 'CreateUser'; userId: string; name: string; apiKeyHash: string; at: string };
export type User = { exists: false } | { exists: true; userId: string; name: string; apiKeyHash: string };

export const userDecider: Decider<UserCommand, UserEvent, User> = {
  decide(command, user) {
    if (user.exists) return [];
    const { type: _type, ...data } = command;
    return [{ type: 'UserCreated', data }];
  },
  evolve(_user, event) {
    return { exists: true, userId: event.data.userId, name: event.data.name, apiKeyHash: event.data.apiKeyHash };
  },
  initialState: { exists: false },
};
