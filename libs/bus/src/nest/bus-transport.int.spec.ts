import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ProjectNotFound } from '@hangar/contracts';
import { lastValueFrom, of } from 'rxjs';
import { EmbeddedBus } from '../adapters/embedded/embedded-bus';
import { RemoteError, type BusMessage } from '../port/message-bus.port';
import { eventually } from '../testing/eventually';
import { BusClientProxy } from './bus-client-proxy';
import { BusContext } from './bus-context';
import { BusExceptionFilter } from './bus-exception-filter';
import { BusRecord } from './bus-record';
import { BusTransport } from './bus-transport';

interface OrderCreated {
  orderId: string;
}

@Controller()
class OrdersController {
  readonly created: BusMessage<OrderCreated>[] = [];
  readonly flakyDeliveries: number[] = [];

  @EventPattern('orders.created')
  onCreated(@Payload() _event: OrderCreated, @Ctx() context: BusContext) {
    this.created.push(context.getMessage<OrderCreated>());
  }

  @EventPattern('orders.flaky')
  async onFlaky(@Ctx() context: BusContext) {
    this.flakyDeliveries.push(context.getMessage().deliveryCount);
    if (context.getMessage().deliveryCount === 1) throw new Error('first attempt fails');
  }

  @MessagePattern('orders.double')
  double(@Payload() query: { n: number }) {
    return of(query.n * 2); // an Observable answer, as Nest allows
  }

  @MessagePattern('projects.get')
  async project(@Payload() query: { projectId: string }) {
    throw new ProjectNotFound(query.projectId);
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

describe('BusTransport: a Nest microservice on the bus', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let app: INestMicroservice;
  let client: BusClientProxy;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-bus-nest-'));
    bus = new EmbeddedBus({ file: join(dir, 'bus.sqlite') });
    app = await NestFactory.createMicroservice(OrdersModule, {
      strategy: new BusTransport({ bus, group: 'orders', retryDelaysMs: [20] }),
      logger: false,
    });
    app.useGlobalFilters(new BusExceptionFilter());
    await app.listen();
    client = new BusClientProxy(bus);
  });

  afterEach(async () => {
    await client.close();
    await app.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a published event to its @EventPattern handler, with the whole message as context', async () => {
    await lastValueFrom(client.emit('orders.created', new BusRecord<OrderCreated>({ orderId: 'o-1' }, { id: 'evt-1' })));

    const controller = app.get(OrdersController);
    await eventually(() => expect(controller.created).toHaveLength(1));
    expect(controller.created[0]).toMatchObject({ subject: 'orders.created', id: 'evt-1', data: { orderId: 'o-1' } });
  });

  it('redelivers an event whose handler threw', async () => {
    await lastValueFrom(client.emit('orders.flaky', { n: 1 }));

    const controller = app.get(OrdersController);
    await eventually(() => expect(controller.flakyDeliveries).toEqual([1, 2]));
  });

  it('answers BusClientProxy.send from a @MessagePattern handler', async () => {
    await expect(lastValueFrom(client.send('orders.double', { n: 21 }))).resolves.toBe(42);
  });

  it("turns a handler's named error into a RemoteError with its code", async () => {
    const failure = await lastValueFrom(client.send('projects.get', { projectId: 'p-1' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ code: 'PROJECT_NOT_FOUND', errorName: 'ProjectNotFound', message: 'project p-1 not found' });
  });

  it('stops consuming when the microservice closes, leaving the bus open', async () => {
    await app.close();
    await expect(lastValueFrom(client.send('orders.double', { n: 1 }))).rejects.toMatchObject({ code: 'NO_RESPONDER' });
    await expect(bus.publish('orders.created', { orderId: 'after-close' })).resolves.toBeUndefined();
  });
});
