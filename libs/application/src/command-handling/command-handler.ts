import { WrongExpectedVersion, type EventMetadata } from '@hangar/contracts';
import { fold, type Decider } from '@hangar/domain';
import type { EventStore } from '@hangar/event-store';

export interface HandledCommand<S, E> {
  /** The events this call appended (none when the command had already taken effect). */
  appended: E[];
  /** The state after the call. */
  state: S;
}

/**
 * Load, decide, append: the whole of a command handler. Appends with the revision it read, so two writers of one
 * stream never both win; the loser reloads and decides again (the decider turns a repeat into a no-op).
 */
export async function handleCommand<C, E extends { type: string; data: unknown }, S>(
  store: EventStore,
  streamName: string,
  decider: Decider<C, E, S>,
  command: C | ((state: S) => C),
  metadata: EventMetadata = {},
  maxAttempts = 20,
): Promise<HandledCommand<S, E>> {
  for (let attempt = 1; ; attempt++) {
    const stream = await store.readStream(streamName);
    const state = fold(decider, stream.map((e) => ({ type: e.type, data: e.data }) as E));
    const decided = decider.decide(typeof command === 'function' ? (command as (s: S) => C)(state) : command, state);
    if (decided.length === 0) return { appended: [], state };
    const expected = stream.length === 0 ? 'no_stream' : stream[stream.length - 1].revision;
    try {
      await store.append(
        streamName,
        decided.map((e) => ({ type: e.type, data: e.data, metadata })),
        expected,
      );
      return { appended: decided, state: decided.reduce(decider.evolve, state) };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion) || attempt >= maxAttempts) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** The current state of a stream, for reads that decide nothing. */
export async function loadState<E extends { type: string; data: unknown }, S>(
  store: EventStore,
  streamName: string,
  decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState'>,
): Promise<S> {
  const stream = await store.readStream(streamName);
  return fold(decider, stream.map((e) => ({ type: e.type, data: e.data }) as E));
}
