import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { HangarConfig } from '@hangar/config';
import { createInfrastructure, type Infrastructure } from '@hangar/infrastructure';
import { BUS_SERVICES, type BusServiceName } from './service-catalog';
import { startBusService, startEventRelay, startHttpApi, startWorkerAgent, type Stoppable } from './service-runner';

export interface RunningHangar {
  url: string;
  port: number;
  infra: Infrastructure;
  close(): Promise<void>;
}

/**
 * The whole system in one process (`npm start`): every service, an event relay, one local worker agent per region
 * (so that a build can go live on one machine), and the HTTP API, over the embedded adapters.
 */
export async function startEmbeddedHangar(config: HangarConfig, overrides: Parameters<typeof createInfrastructure>[1] = {}): Promise<RunningHangar> {
  const infra = await createInfrastructure(config, overrides);
  const running: Stoppable[] = [];
  const close = async () => {
    for (const part of running.reverse()) await part.close().catch((e) => new Logger('Hangar').error(e));
    await infra.close();
  };
  try {
    running.push(await startEventRelay(infra));
    for (const name of Object.keys(BUS_SERVICES) as BusServiceName[]) running.push(await startBusService(name, infra));
    for (const region of config.regions) {
      running.push(await startWorkerAgent(infra, { id: `local-${region}`, region, dir: join(config.dataDir, 'workers', region), capacity: 1, cacheBytes: config.worker.cacheBytes, extractionRoot: config.localExtractionDir }));
    }
    const http = await startHttpApi(infra);
    running.push(http);
    return { url: `http://127.0.0.1:${http.port}`, port: http.port, infra, close };
  } catch (error) {
    await close();
    throw error;
  }
}
