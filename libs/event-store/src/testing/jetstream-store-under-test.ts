import { connect, type NatsConnection } from 'nats';
import { testNatsUrl, uniquePrefix } from '@hangar/testing';
import { JetStreamEventStore } from '../adapters/jetstream/jetstream-event-store';
import { jetStreamNames } from '../adapters/jetstream/jetstream-names';

/** A JetStream store on its own prefix (so its own JetStream stream), deleted with every connection it opened. */
export async function jetStreamStoreUnderTest(stem = 'es') {
  const prefix = uniquePrefix(stem);
  const connections: NatsConnection[] = [];
  const open = async () => {
    const nc = await connect({ servers: testNatsUrl() });
    connections.push(nc);
    return JetStreamEventStore.init(nc, { prefix });
  };
  const store = await open();
  return {
    store,
    reopen: open,
    cleanup: async () => {
      await store.close();
      const nc = await connect({ servers: testNatsUrl() });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(jetStreamNames(prefix).stream);
      await Promise.all([nc, ...connections].map((connection) => connection.close()));
    },
  };
}
