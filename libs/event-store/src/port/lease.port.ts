export const LEASES = Symbol('LEASES');

/**
 * Leases: at most one holder of a named lease at a time across every process of a deployment, so that work that must
 * not run twice in parallel (the webhook dispatcher's sending) has one owner, and another copy takes over when the
 * owner dies. Adapters: a NATS KV bucket (distributed) and the single process of the embedded mode.
 */
export interface Leases {
  /** The lease `name` as seen by `holder` (a name unique to this process); nothing is taken until `tryAcquire`. */
  lease(name: string, holder: string): Lease;
}

export interface Lease {
  readonly name: string;
  readonly holder: string;
  /**
   * Take the lease when it is free or expired, or renew it when this holder has it. True while held. Call it more
   * often than the lease's time to live (a third of it is the usual rhythm) or it lapses.
   */
  tryAcquire(): Promise<boolean>;
  /**
   * Whether this holder may act now: it renewed recently enough that nobody else can have taken the lease since.
   * Judged on this process's monotonic clock from the moment the renewal was sent, so a pause (GC, a frozen VM)
   * makes it false rather than letting two holders act.
   */
  isHeld(): boolean;
  /** Give the lease up at once (another copy takes it on its next try); a no-op when not held. */
  release(): Promise<void>;
}
