import { eventStoreContract } from '../../testing/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/**
 * No KurrentDB server can run on the build machines (no package, no .NET, no Docker): the contract runs only where
 * KURRENTDB_URL points at one, e.g. `KURRENTDB_URL='kurrentdb://127.0.0.1:2113?tls=false'`.
 */
const url = process.env.KURRENTDB_URL;

if (url) {
  eventStoreContract('KurrentDbEventStore', async () => {
    const store = KurrentDbEventStore.connect(url);
    // KurrentDB cannot be reset: the contract uses unique streams and never reads other runs' events.
    return { store, reopen: async () => KurrentDbEventStore.connect(url), cleanup: () => store.close() };
  });
} else {
  const reason = 'KurrentDbEventStore contract SKIPPED: KURRENTDB_URL is not set (no KurrentDB server runs here)';
  // Straight to stderr: Jest hides console output of a suite whose tests are all skipped.
  process.stderr.write(`${reason}\n`);
  describe.skip(reason, () => {
    it('runs the EventStore contract against a KurrentDB server', () => undefined);
  });
}
