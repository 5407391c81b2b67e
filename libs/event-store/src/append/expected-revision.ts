import { WrongExpectedVersion } from '@hangar/contracts';
import type { ExpectedRevision, NewEvent } from '../port/event-store.port';
import { EmptyAppend } from './append.errors';

/** The revision of a stream's last event, or null when the stream does not exist. */
export type CurrentRevision = bigint | null;

export function describeRevision(revision: ExpectedRevision | CurrentRevision): string {
  return revision === null ? 'no_stream' : String(revision);
}

/** Throws `WrongExpectedVersion` unless `current` satisfies `expected` (KurrentDB's rules). */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: CurrentRevision): void {
  const satisfied =
    expected === 'any' ||
    (expected === 'no_stream' && current === null) ||
    (expected === 'stream_exists' && current !== null) ||
    (typeof expected === 'bigint' && current === expected);
  if (!satisfied) throw new WrongExpectedVersion(stream, describeRevision(expected), describeRevision(current));
}

export function assertNotEmpty(stream: string, events: readonly NewEvent[]): void {
  if (events.length === 0) throw new EmptyAppend(stream);
}
