import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishedEvent } from '@hangar/contracts';
import { EmbeddedBus } from '@hangar/bus';
import { SqliteCheckpointStore, SqliteEventStore } from '@hangar/event-store';
import { EventRelay, RELAY_CHECKPOINT } from './event-relay';

describe('EventRelay (the event store is the outbox)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hangar-relay-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () => ({
    store: new SqliteEventStore(join(dir, 'events.sqlite')),
    bus: new EmbeddedBus({ file: join(dir, 'bus.sqlite') }),
    checkpoints: new SqliteCheckpointStore(join(dir, 'checkpoints.sqlite')),
  });

  async function collect(bus: EmbeddedBus, count: number): Promise<PublishedEvent[]> {
    const seen: PublishedEvent[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} events arrived`)), 5000);
      void bus.subscribe<PublishedEvent>('events.>', { group: 'test' }, async (m) => {
        seen.push(m.data);
        if (seen.length === count) {
          clearTimeout(timer);
          resolve(seen);
        }
      });
    });
  }

  it('publishes every stored event on events.<category>.<type>, with its id, position and metadata', async () => {
    const { store, bus, checkpoints } = open();
    await store.append('build-b1', [{ type: 'BuildQueued', data: { uploadId: 'b1' }, metadata: { actor: 'user:u1' } }], 'no_stream');
    await store.append('project-p1', [{ type: 'ProjectCreated', data: { projectId: 'p1' } }], 'no_stream');
    const relay = new EventRelay(store, bus, checkpoints);
    await relay.start();
    const subjects: string[] = [];
    await bus.subscribe('events.>', { group: 'subjects' }, async (m) => void subjects.push(m.subject));
    const events = await collect(bus, 2);
    expect(events.map((e) => [e.stream, e.type])).toEqual([
      ['build-b1', 'BuildQueued'],
      ['project-p1', 'ProjectCreated'],
    ]);
    expect(events[0]).toMatchObject({ revision: '0', metadata: { actor: 'user:u1' }, data: { uploadId: 'b1' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(subjects).toEqual(['events.build.BuildQueued', 'events.project.ProjectCreated']);
    await relay.stop();
    expect(await checkpoints.load(RELAY_CHECKPOINT)).toBe(BigInt(events[1].position));
    await Promise.all([bus.close(), store.close(), checkpoints.close()]);
  });

  it('after a restart, publishes what was appended while it was down, and nothing is lost', async () => {
    let parts = open();
    let relay = new EventRelay(parts.store, parts.bus, parts.checkpoints);
    await relay.start();
    await parts.store.append('build-b1', [{ type: 'BuildQueued', data: {} }], 'no_stream');
    await new Promise((r) => setTimeout(r, 400));
    await relay.stop();
    await parts.store.append('build-b2', [{ type: 'BuildQueued', data: {} }], 'no_stream');
    await Promise.all([parts.bus.close(), parts.store.close(), parts.checkpoints.close()]);

    parts = open();
    relay = new EventRelay(parts.store, parts.bus, parts.checkpoints);
    await relay.start();
    const events = await collect(parts.bus, 2);
    expect(events.map((e) => e.stream)).toEqual(['build-b1', 'build-b2']);
    await relay.stop();
    await Promise.all([parts.bus.close(), parts.store.close(), parts.checkpoints.close()]);
  });
});
