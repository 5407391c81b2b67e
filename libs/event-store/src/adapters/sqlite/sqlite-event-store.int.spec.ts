import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from '../../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

eventStoreContract('SqliteEventStore (temp file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-es-'));
  const file = join(dir, 'events.sqlite');
  const store = new SqliteEventStore(file);
  return {
    store,
    reopen: async () => new SqliteEventStore(file),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

eventStoreContract('SqliteEventStore (:memory:)', async () => {
  const store = new SqliteEventStore(':memory:');
  return { store, cleanup: () => store.close() };
});
