import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com): `webhook-id` stays the same on every retry of a
 * delivery so receivers can drop duplicates; the signature is `v1,` and the base64 HMAC-SHA256, keyed with the
 * base64-decoded secret after `whsec_`, of `id.timestamp.body`. Several secrets (a rotation) give several
 * space-separated signatures, any of which a receiver accepts.
 */
export function standardWebhookHeaders(id: string, timestampSeconds: number, body: string, secrets: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds) };
  if (secrets.length > 0) headers['webhook-signature'] = secrets.map((secret) => `v1,${sign(id, timestampSeconds, body, secret)}`).join(' ');
  return headers;
}

function sign(id: string, timestampSeconds: number, body: string, secret: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}
