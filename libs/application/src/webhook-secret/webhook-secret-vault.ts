import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const WEBHOOK_SECRET_VAULT = Symbol('WEBHOOK_SECRET_VAULT');

export class WebhookSecretUnreadable extends Error {
  readonly code = 'WEBHOOK_SECRET_UNREADABLE';
  constructor(cause: unknown) {
    super('a webhook secret could not be unsealed: is HANGAR_SECRET_KEY the key it was sealed with?');
    this.name = 'WebhookSecretUnreadable';
    this.cause = cause;
  }
}

/**
 * Makes and seals webhook signing secrets. The dispatcher has to sign with the secret itself, so it is kept (not a
 * hash), sealed with AES-256-GCM under the deployment's key: a copy of the event store alone does not reveal it.
 */
export class WebhookSecretVault {
  constructor(private readonly key: Buffer) {}

  /** From `HANGAR_SECRET_KEY` (any string, hashed to 256 bits), else a key generated once in the data dir. */
  static fromConfig(config: { secretKey: string | null; dataDir: string }): WebhookSecretVault {
    if (config.secretKey) return new WebhookSecretVault(createHash('sha256').update(config.secretKey).digest());
    const file = join(config.dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      // Several processes may share the data dir and start together: the key appears whole or not at all (link fails
      // if another process made it first, and then everyone reads that one).
      const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(temporary, randomBytes(32).toString('base64'), { mode: 0o600 });
      chmodSync(temporary, 0o600);
      try {
        linkSync(temporary, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        unlinkSync(temporary);
      }
    }
    return new WebhookSecretVault(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  /** A new secret as Standard Webhooks spells it: `whsec_` and the base64 of 32 random bytes. */
  newSecret(): string {
    return `whsec_${randomBytes(32).toString('base64')}`;
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join('.');
  }

  open(sealed: string): string {
    try {
      const [, iv, tag, data] = sealed.split('.');
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new WebhookSecretUnreadable(error);
    }
  }
}
