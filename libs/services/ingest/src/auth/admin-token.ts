import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { ADMIN_TOKEN_STREAM, WrongExpectedVersion, type AdminTokenIssued } from '@hangar/contracts';
import { CLOCK, type Clock } from '@hangar/application';
import { HANGAR_CONFIG, type HangarConfig } from '@hangar/config';
import { EVENT_STORE, type EventStore } from '@hangar/event-store';
import { hashSecret, newAdminToken, secretMatches } from './api-key';
import { InvalidAdminToken } from './auth-errors';

/**
 * The operator's token for `/v1/admin`. `HANGAR_ADMIN_TOKEN` wins when set. Otherwise the first start generates one,
 * prints it once, and keeps only its hash (event `AdminTokenIssued`), so it survives restarts without being stored.
 */
@Injectable()
export class AdminToken implements OnModuleInit {
  private readonly logger = new Logger('AdminToken');
  private hash: string | null = null;

  constructor(
    @Inject(HANGAR_CONFIG) private readonly config: HangarConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.adminToken) {
      this.hash = hashSecret(this.config.adminToken);
      return;
    }
    this.hash = await this.issuedHash();
    if (this.hash) return;
    const token = newAdminToken();
    try {
      await this.store.append(
        ADMIN_TOKEN_STREAM,
        [{ type: 'AdminTokenIssued', data: { tokenHash: hashSecret(token), at: this.clock.now().toISOString() }, metadata: { actor: 'service:ingest' } }],
        'no_stream',
      );
      this.hash = hashSecret(token);
      // Printed once, on purpose: only its hash is kept.
      process.stdout.write(`\nHangar admin token (shown once; set HANGAR_ADMIN_TOKEN to choose your own):\n  ${token}\n\n`);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      this.hash = await this.issuedHash(); // another ingest instance issued it first
    }
    if (!this.hash) this.logger.error('no admin token could be issued');
  }

  private async issuedHash(): Promise<string | null> {
    const events = await this.store.readStream(ADMIN_TOKEN_STREAM);
    const last = events[events.length - 1];
    return last ? (last.data as AdminTokenIssued['data']).tokenHash : null;
  }

  verify(authorization: string | undefined): void {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token || !this.hash || !secretMatches(token, this.hash)) throw new InvalidAdminToken();
  }
}

