export interface UserCreated {
  type: 'UserCreated';
  /** Only a hash of the API key is ever stored: a leaked event store leaks no key. */
  data: { userId: string; name: string; apiKeyHash: string; at: string };
}
export interface AdminTokenIssued {
  type: 'AdminTokenIssued';
  data: { tokenHash: string; at: string };
}
export type UserEvent = UserCreated;
export type AdminEvent = AdminTokenIssued;

export function userStreamName(userId: string): string {
  return `user-${userId}`;
}
export const ADMIN_TOKEN_STREAM = 'system-admin-token';
