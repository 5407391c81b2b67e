import type { Type } from '@nestjs/common';
import { DistributorModule } from '@hangar/services/distributor';
import { DownloaderModule } from '@hangar/services/downloader';
import { QueryModule } from '@hangar/services/query';
import { RepositoryModule } from '@hangar/services/repository';
import { ScannerModule } from '@hangar/services/scanner';
import { WebhookDispatcherModule } from '@hangar/services/webhook-dispatcher';

/** The services that react to bus messages, by the name of their durable consumer group. */
export const BUS_SERVICES = {
  query: QueryModule,
  downloader: DownloaderModule,
  scanner: ScannerModule,
  repository: RepositoryModule,
  distributor: DistributorModule,
  'webhook-dispatcher': WebhookDispatcherModule,
} satisfies Record<string, Type>;
export type BusServiceName = keyof typeof BUS_SERVICES;

export type ServiceName = BusServiceName | 'ingest' | 'worker-agent';
export const SERVICE_NAMES: readonly ServiceName[] = ['ingest', ...(Object.keys(BUS_SERVICES) as BusServiceName[]), 'worker-agent'];

/** Services that append events run an event relay too, so that publishing never depends on one process. */
export const APPENDING_SERVICES: readonly ServiceName[] = ['ingest', 'downloader', 'scanner', 'repository', 'distributor'];
