import { NatsError, type JetStreamManager, type StreamConfig } from 'nats';

/** JetStream API error code for a stream that does not exist. */
const STREAM_NOT_FOUND = 10059;

/** Creates the stream, or brings an existing one to this configuration. Safe to run from every process. */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  const exists = await jsm.streams.info(config.name).then(
    () => true,
    (error: unknown) => {
      if (error instanceof NatsError && error.api_error?.err_code === STREAM_NOT_FOUND) return false;
      throw error;
    },
  );
  if (exists) await jsm.streams.update(config.name, config);
  else await jsm.streams.add(config);
}
