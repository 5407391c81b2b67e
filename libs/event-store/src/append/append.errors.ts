import { HangarError } from '@hangar/contracts';

/** An append with no events: nothing to guard with an expected revision and no position to report. */
export class EmptyAppend extends HangarError {
  readonly code = 'EMPTY_APPEND';
  constructor(readonly stream: string) {
    super(`stream ${stream}: an append needs at least one event`);
  }
}

/** More events in one append than the adapter can store atomically (JetStream: one message holds the batch). */
export class AppendBatchTooLarge extends HangarError {
  readonly code = 'APPEND_BATCH_TOO_LARGE';
  constructor(
    readonly stream: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`stream ${stream}: ${size} events in one append, at most ${limit} allowed`);
  }
}

/** The same event id was appended twice (ids are unique over the whole store). */
export class DuplicateEventId extends HangarError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly stream: string,
    options?: { cause?: unknown },
  ) {
    super(`stream ${stream}: an event id of this append is already stored`, options);
  }
}
