import type { HangarConfig } from '@hangar/config';
import { createInfrastructure } from '@hangar/infrastructure';
import { APPENDING_SERVICES, BUS_SERVICES, type BusServiceName, type ServiceName } from './service-catalog';
import { startBusService, startEventRelay, startHttpApi, startPublicEventFeed, startWorkerAgent, type Stoppable } from './service-runner';

/** One service in its own process (`apps/<service>`), on NATS. Writers also run an event relay. */
export async function startService(name: ServiceName, config: HangarConfig): Promise<Stoppable> {
  const infra = await createInfrastructure(config, { name: `hangar-${name}` });
  const running: Stoppable[] = [];
  const close = async () => {
    for (const part of running.reverse()) await part.close().catch(() => undefined);
    await infra.close();
  };
  try {
    if (APPENDING_SERVICES.includes(name)) {
      running.push(await startEventRelay(infra));
      running.push(await startPublicEventFeed(infra));
    }
    if (name === 'ingest') running.push(await startHttpApi(infra));
    else if (name === 'worker-agent') running.push(await startWorkerAgent(infra, { ...config.worker, extractionRoot: config.localExtractionDir }));
    else if (name in BUS_SERVICES) running.push(await startBusService(name as BusServiceName, infra));
    else throw new Error(`unknown service ${name}`);
    return { close };
  } catch (error) {
    await close();
    throw error;
  }
}
