import { ProjectStreams } from '@hangar/application';
import { buildStreamName, projectStreamName, type BuildView, type ProjectView } from '@hangar/contracts';
import type { EventStore, RecordedEvent } from '@hangar/event-store';
import { project } from '../projection/build-projection';
import { ReadModelStore } from '../read-model/read-model-store';

const READ_BATCH = 1000;

/**
 * State as of a time: the same projection as the live read models, run into a throw-away in-memory read model over
 * the events the store held at `asOf` (recorded at or before it). So the answer has the live answer's shape and
 * rules, and a rebuild and a replay cannot disagree.
 */
export class StateAsOf {
  constructor(private readonly store: EventStore) {}

  /**
   * The project and every build it had then (deleted ones included until their deletion), or null when it did not
   * exist yet. Scans the log from the start up to `asOf`: the store keeps no per-project index.
   */
  async project(projectId: string, asOf: Date): Promise<{ project: ProjectView; builds: BuildView[] } | null> {
    const streams = new ProjectStreams(projectId, { withDeliveries: true });
    return this.replay(async (apply) => {
      let after: bigint | undefined;
      for (;;) {
        const page = await this.store.readAll({ ...(after === undefined ? {} : { after }), limit: READ_BATCH });
        for (const event of page) {
          // Positions follow append order, and so do recording times: the first later event ends the replay.
          if (event.recordedAt > asOf) return;
          if (streams.includes(event)) apply(event);
        }
        if (page.length < READ_BATCH) return;
        after = page[page.length - 1]!.position;
      }
    }, (readModels) => {
      const found = readModels.project(projectId);
      return found ? { project: found, builds: readModels.buildsOf(projectId, 0, 100_000).items } : null;
    });
  }

  /** The build as it was then (with its project's live pointer), or null when it did not exist yet. */
  async build(uploadId: string, asOf: Date): Promise<BuildView | null> {
    const buildEvents = await this.store.readStream(buildStreamName(uploadId));
    const projectId = (buildEvents[0]?.data as { projectId?: string } | undefined)?.projectId;
    if (!projectId) return null;
    const projectEvents = await this.store.readStream(projectStreamName(projectId));
    const events = [...projectEvents, ...buildEvents].filter((event) => event.recordedAt <= asOf).sort((a, b) => (a.position < b.position ? -1 : 1));
    return this.replay(
      async (apply) => events.forEach(apply),
      (readModels) => readModels.build(uploadId),
    );
  }

  private async replay<T>(feed: (apply: (event: RecordedEvent) => void) => Promise<void>, answer: (readModels: ReadModelStore) => T): Promise<T> {
    const readModels = new ReadModelStore(':memory:');
    try {
      await feed((event) => readModels.commit(event.position, (tx) => project(tx, event)));
      return answer(readModels);
    } finally {
      readModels.close();
    }
  }
}
