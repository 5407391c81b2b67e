import { WebhookSecretVault } from '@hangar/application';
import { loadConfig } from '@hangar/config';
import type { EventStore } from '@hangar/event-store';
import { createInfrastructure } from '@hangar/infrastructure';
import { startBusService } from './service-runner';

export interface WebhookDispatcherAlone {
  store: EventStore;
  /** Seals a webhook secret with this deployment's key (for projects created straight in the store). */
  seal: (secret: string) => string;
  close(): Promise<void>;
}

/**
 * The webhook dispatcher by itself, in this process, over the embedded adapters (SQLite store, filesystem blobs): the
 * deliveries a caller schedules into the store are sent, signed, as in `npm start`. For benchmarks.
 */
export async function startWebhookDispatcherAlone(dataDir: string, env: Record<string, string> = {}): Promise<WebhookDispatcherAlone> {
  const infra = await createInfrastructure(loadConfig({ HANGAR_DATA_DIR: dataDir, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', ...env }, 'embedded'));
  const service = await startBusService('webhook-dispatcher', infra);
  const vault = WebhookSecretVault.fromConfig(infra.config);
  return {
    store: infra.eventStore,
    seal: (secret) => vault.seal(secret),
    async close() {
      await service.close();
      await infra.close();
    },
  };
}
