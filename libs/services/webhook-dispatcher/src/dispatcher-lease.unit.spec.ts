import type { Lease } from '@hangar/event-store';
import { DispatcherLease } from './dispatcher-lease';

/** A lease whose answers the test sets: held or not, and whether it lapsed locally meanwhile. */
function scriptedLease() {
  const lease = { acquires: true, acting: false, tryAcquire: async () => lease.acquires, isHeld: () => lease.acting, release: async () => undefined };
  return lease;
}

describe('DispatcherLease', () => {
  it('says "acquired" when the lease is taken, and again when a late renewal had let it lapse meanwhile', async () => {
    const lease = scriptedLease();
    let acquired = 0;
    const keeper = new DispatcherLease({ ...lease, name: 'd', holder: 'h' } as unknown as Lease, 60_000, () => acquired++);
    const renew = () => (keeper as unknown as { renew(): Promise<void> }).renew();

    await renew(); // taken
    expect(acquired).toBe(1);
    lease.acting = true;
    await renew(); // renewed in time: nothing new to look at
    expect(acquired).toBe(1);
    lease.acting = false; // the renewal came late: sending had stopped and reminders were dropped
    await renew();
    expect(acquired).toBe(2);
    await keeper.stop();
  });
});
