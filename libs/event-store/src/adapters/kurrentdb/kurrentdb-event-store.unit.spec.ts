import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendToStreamOptions,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import { WrongExpectedVersion } from '@hangar/contracts';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/** The mapping between the port and the client, on a stub client (no server runs here; the contract needs one). */
describe('KurrentDbEventStore mapping', () => {
  function resolved(streamId: string, type: string, commit: bigint, revision = 0n): AllStreamResolvedEvent {
    const event = { streamId, id: `id-${commit}`, isJson: true, revision, type, created: new Date(0), data: { commit: Number(commit) }, metadata: { actor: 'admin' }, position: { commit, prepare: commit } };
    return { event, commitPosition: commit } as AllStreamResolvedEvent;
  }

  async function* items<T>(list: T[]): AsyncIterableIterator<T> {
    yield* list;
  }

  it.each([
    ['no_stream', 'no_stream'],
    ['stream_exists', 'stream_exists'],
    ['any', 'any'],
    [7n, 7n],
  ] as const)('passes expected revision %p as stream state %p and returns the commit position', async (expected, state) => {
    const appendToStream = jest.fn(async (_stream: string, _events: unknown, _options?: AppendToStreamOptions) => ({
      success: true,
      nextExpectedRevision: 8n,
      position: { commit: 420n, prepare: 420n },
    }));
    const store = new KurrentDbEventStore({ appendToStream } as unknown as KurrentDBClient);
    await expect(store.append('build-1', [{ type: 'A', data: {} }], expected)).resolves.toEqual({ nextExpectedRevision: 8n, position: 420n });
    expect(appendToStream.mock.calls[0]![2]).toEqual({ streamState: state });
  });

  it('turns the client WrongExpectedVersionError into ours', async () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'build-1', expected: 3n, current: 5n });
    const store = new KurrentDbEventStore({ appendToStream: async () => Promise.reject(error) } as unknown as KurrentDBClient);
    const appending = store.append('build-1', [{ type: 'A', data: {} }], 3n);
    await expect(appending).rejects.toBeInstanceOf(WrongExpectedVersion);
    await expect(appending).rejects.toMatchObject({ stream: 'build-1', expected: '3', actual: '5' });
  });

  it('reads a missing stream as []', async () => {
    const readStream = () =>
      (async function* () {
        throw new StreamNotFoundError(undefined, 'build-1');
      })();
    const store = new KurrentDbEventStore({ readStream } as unknown as KurrentDBClient);
    await expect(store.readStream('build-1')).resolves.toEqual([]);
  });

  it('reads $all after a position, without system events, up to the limit', async () => {
    const readAll = jest.fn(() =>
      items([resolved('build-1', 'A', 10n), resolved('$stats', 'X', 11n), resolved('build-1', '$metadata', 12n), resolved('build-2', 'B', 13n), resolved('build-1', 'C', 14n, 1n)]),
    );
    const store = new KurrentDbEventStore({ readAll } as unknown as KurrentDBClient);
    const page = await store.readAll({ after: 10n, limit: 1 });
    expect(page).toEqual([{ id: 'id-13', stream: 'build-2', type: 'B', data: { commit: 13 }, metadata: { actor: 'admin' }, revision: 0n, position: 13n, recordedAt: new Date(0) }]);
    expect(readAll).toHaveBeenCalledWith(expect.objectContaining({ fromPosition: { commit: 10n, prepare: 10n } }));
  });
});
