import { connect, type NatsConnection } from 'nats';
import { testNatsUrl, uniquePrefix } from '@hangar/testing';
import { checkpointStoreContract } from '../../testing/checkpoint-store.contract';
import { NatsKvCheckpointStore } from './nats-kv-checkpoint-store';

checkpointStoreContract('NatsKvCheckpointStore', async () => {
  const prefix = uniquePrefix('cp');
  const connections: NatsConnection[] = [];
  const open = async () => {
    const nc = await connect({ servers: testNatsUrl() });
    connections.push(nc);
    return NatsKvCheckpointStore.init(nc, { prefix });
  };
  const store = await open();
  return {
    store,
    reopen: open,
    cleanup: async () => {
      await store.close();
      const jsm = await connections[0]!.jetstreamManager();
      await jsm.streams.delete(`KV_${store.bucket}`);
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
});
