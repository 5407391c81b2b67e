import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointStoreContract } from '../../testing/checkpoint-store.contract';
import { SqliteCheckpointStore } from './sqlite-checkpoint-store';

checkpointStoreContract('SqliteCheckpointStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-cp-'));
  const file = join(dir, 'checkpoints.sqlite');
  const store = new SqliteCheckpointStore(file);
  return {
    store,
    reopen: async () => new SqliteCheckpointStore(file),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
