import { Logger, Module, type DynamicModule, type INestApplication, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { isPublicEvent } from '@hangar/contracts';
import { EventRelay } from '@hangar/application';
import { BusExceptionFilter, BusTransport, JetStreamPublicEventFeed } from '@hangar/bus';
import type { RecordedEvent } from '@hangar/event-store';
import { InfrastructureModule, type Infrastructure } from '@hangar/infrastructure';
import { IngestModule, validationPipe } from '@hangar/services/ingest';
import { WorkerAgentModule, type WorkerIdentity } from '@hangar/services/worker-agent';
import { logLevels } from './log-levels';
import { BUS_SERVICES, type BusServiceName } from './service-catalog';

export interface Stoppable {
  close(): Promise<void>;
}

/** Each service is its own Nest application over the shared infrastructure, whether alone or beside the others. */
function root(infra: Infrastructure, service: Type | DynamicModule): DynamicModule {
  @Module({})
  class ServiceRoot {}
  return { module: ServiceRoot, imports: [InfrastructureModule.with(infra), service] };
}

export async function startBusService(name: BusServiceName, infra: Infrastructure): Promise<Stoppable> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(root(infra, BUS_SERVICES[name]), {
    strategy: new BusTransport({ bus: infra.bus, group: name, retryDelaysMs: infra.config.retryDelaysMs }),
    logger: logLevels(),
  });
  // Errors keep their code across the bus (ProjectNotFound in query -> 404 at the HTTP edge).
  app.useGlobalFilters(new BusExceptionFilter());
  await app.listen();
  return app;
}

/** The HTTP API (the ingest service): Streampixel-compatible `/pixelStripeApi` and Hangar's `/v1`. */
export async function startHttpApi(infra: Infrastructure, port = infra.config.port): Promise<{ app: INestApplication; port: number } & Stoppable> {
  const app = await NestFactory.create(root(infra, IngestModule), { logger: logLevels() });
  app.useGlobalPipes(validationPipe());
  await app.listen(port);
  const address = app.getHttpServer().address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { app, port: bound, close: () => app.close() };
}

export async function startWorkerAgent(infra: Infrastructure, identity: WorkerIdentity): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(root(infra, WorkerAgentModule.forWorker(identity)), { logger: logLevels() });
  await app.init();
  return app;
}

export async function startEventRelay(
  infra: Infrastructure,
  target: ConstructorParameters<typeof EventRelay>[1] = infra.bus,
  options: { checkpointName?: string; select?: (event: RecordedEvent) => boolean } = {},
): Promise<Stoppable> {
  const logger = new Logger(options.checkpointName ?? 'EventRelay');
  const relay = new EventRelay(infra.eventStore, target, infra.checkpoints, {
    ...options,
    onError: (error) => logger.error(`relay: ${(error as Error)?.message ?? String(error)}`),
  });
  await relay.start();
  return { close: () => relay.stop() };
}

/**
 * The public event feed (docs/events.md): a relay with its own checkpoint into the JetStream stream
 * `<PREFIX>_PUBLIC_EVENTS`. Only where there is NATS (distributed mode), beside each event relay.
 */
export async function startPublicEventFeed(infra: Infrastructure): Promise<Stoppable> {
  if (!infra.nats) return { close: async () => undefined };
  const feed = await JetStreamPublicEventFeed.create(infra.nats, { prefix: infra.config.natsPrefix });
  return startEventRelay(infra, feed, { checkpointName: 'public-event-feed', select: (e) => isPublicEvent(e.stream, e.type) });
}
