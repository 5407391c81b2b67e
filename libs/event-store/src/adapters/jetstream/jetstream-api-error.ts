import { HangarError } from '@hangar/contracts';
import type { NatsError } from 'nats';

/** JetStream API error codes this library reacts to (nats-server `server/errors.json`). */
export const JetStreamErrorCode = {
  noMessageFound: 10037,
  streamNameInUse: 10058,
  streamNotFound: 10059,
  wrongLastSequence: 10071,
} as const;

export function hasJetStreamErrorCode(error: unknown, code: number): boolean {
  return (error as Partial<NatsError> | undefined)?.api_error?.err_code === code;
}

/** A JetStream stream of the expected name exists but cannot hold this store's subjects. */
export class JetStreamStreamConflict extends HangarError {
  readonly code = 'JETSTREAM_STREAM_CONFLICT';
  constructor(
    readonly stream: string,
    readonly subjects: string[],
    readonly wanted: string,
  ) {
    super(`JetStream stream ${stream} exists with subjects ${JSON.stringify(subjects)}, not ${wanted}`);
  }
}
