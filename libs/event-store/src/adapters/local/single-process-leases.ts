import type { Lease, Leases } from '../../port/lease.port';

/** The embedded mode runs every service once, in one process: each lease is simply held. */
export class SingleProcessLeases implements Leases {
  lease(name: string, holder: string): Lease {
    return {
      name,
      holder,
      tryAcquire: async () => true,
      isHeld: () => true,
      release: async () => undefined,
    };
  }
}
