import { Logger } from '@nestjs/common';
import type { Lease } from '@hangar/event-store';

/**
 * Keeps trying to take, then to renew, the dispatcher's lease, three times per time to live, and says when this copy
 * became the holder (so it looks at every project at once) or stopped being it.
 */
export class DispatcherLease {
  private readonly logger = new Logger('WebhookDispatcherLease');
  private timer: NodeJS.Timeout | null = null;
  private held = false;
  private stopped = false;

  constructor(
    private readonly lease: Lease,
    private readonly ttlMs: number,
    private readonly onAcquired: () => void,
  ) {}

  start(): void {
    void this.renew();
  }

  /** Whether this copy may send now. */
  isHeld(): boolean {
    return !this.stopped && this.lease.isHeld();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.lease.release();
  }

  private async renew(): Promise<void> {
    try {
      // A renewal that came late (a stalled event loop, a slow server) leaves the lease held but lets it lapse
      // locally for a while: sending stopped, reminders fell through. Coming back from that is a new start too.
      const lapsed = !this.lease.isHeld();
      const held = await this.lease.tryAcquire();
      // Stopped while the renewal was on its way: give back what it may just have taken.
      if (this.stopped) return void (await this.lease.release());
      if (held && (!this.held || lapsed)) {
        if (!this.held) this.logger.log(`${this.lease.holder} holds the webhook dispatcher lease`);
        this.held = true;
        this.onAcquired();
      } else if (!held && this.held) {
        this.logger.warn(`${this.lease.holder} lost the webhook dispatcher lease`);
        this.held = false;
      }
    } catch (error) {
      this.logger.warn(`webhook dispatcher lease: ${(error as Error).message}`);
    }
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), Math.max(this.ttlMs / 3, 50));
  }
}
