import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `hgr_<userId>_<secret>`: the user id inside lets a Bearer call find its user without an index,
 * and the 256-bit random secret makes a plain SHA-256 a safe stored form (no dictionary to attack).
 */
const KEY_PATTERN = /^hgr_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

export function newApiKey(userId: string): { apiKey: string; hash: string } {
  const apiKey = `hgr_${userId}_${randomBytes(32).toString('base64url')}`;
  return { apiKey, hash: hashSecret(apiKey) };
}

export function userIdOfApiKey(apiKey: string): string | null {
  return KEY_PATTERN.exec(apiKey)?.[1] ?? null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newAdminToken(): string {
  return `hga_${randomBytes(32).toString('base64url')}`;
}
