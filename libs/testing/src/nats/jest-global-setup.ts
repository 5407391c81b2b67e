import { ensureNatsServer } from './nats-server';

/** Jest global setup: every integration test may assume NATS (JetStream) answers at NATS_URL. */
export default async function globalSetup(): Promise<void> {
  process.env.NATS_URL = await ensureNatsServer();
}
