import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@hangar/config';
import { verifyHashChains, type ChainVerification } from '@hangar/event-store';
import { connectEventStore } from '@hangar/infrastructure';
import type { CliIo, ExitCode } from '../cli-io';
import { printVerification } from './print-verification';

const READ_BATCH = 5000;

/**
 * `hangar audit verify`: every hash chain of the store. Reads the store configured by the environment (as the
 * services do: `HANGAR_DATA_DIR`, `HANGAR_EVENT_STORE`, `NATS_URL`, …) or, with `--api <url>`, asks a running
 * Hangar (`GET /v1/audit/verify` with `HANGAR_ADMIN_TOKEN`).
 */
export async function verifyStore(options: { dataDir?: string; api?: string }, io: CliIo): Promise<ExitCode> {
  const verification = options.api ? await verifyThroughApi(options.api, io) : await verifyDirectly(options.dataDir, io);
  return printVerification(verification, io);
}

async function verifyDirectly(dataDir: string | undefined, io: CliIo): Promise<ChainVerification> {
  const config = loadConfig({ ...io.env, ...(dataDir ? { HANGAR_DATA_DIR: dataDir } : {}) }, 'embedded');
  // Opening a missing SQLite store would create an empty one, and verify it.
  const file = join(config.dataDir, 'events.sqlite');
  if (config.eventStore === 'sqlite' && !existsSync(file)) throw new Error(`no event store at ${file} (set --data-dir or HANGAR_DATA_DIR)`);
  const { eventStore, close } = await connectEventStore(config);
  try {
    return await verifyHashChains((after) => eventStore.readAll({ ...(after === undefined ? {} : { after }), limit: READ_BATCH }));
  } finally {
    await close();
  }
}

async function verifyThroughApi(api: string, io: CliIo): Promise<ChainVerification> {
  const token = io.env.HANGAR_ADMIN_TOKEN;
  if (!token) throw new Error('--api needs the admin token in HANGAR_ADMIN_TOKEN');
  const response = await fetch(new URL('/v1/audit/verify', api), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /v1/audit/verify answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ChainVerification;
}
