/**
 * A stored event as the relay publishes it on the bus. `position` is the event's global position in the store, as a
 * decimal string (it may exceed 2^53); `id` is the event's own id and the bus de-duplication key.
 */
export interface PublishedEvent<T extends string = string, D = unknown> {
  id: string;
  type: T;
  stream: string;
  revision: string;
  position: string;
  data: D;
  metadata: EventMetadata;
  recordedAt: string;
}

/** Who or what caused an event, and in answer to what: the audit trail of every fact. */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  /** `user:<id>`, `admin`, or `service:<name>`. */
  actor?: string;
  /** SHA-256 (hex) chaining the event to the previous one of its stream (docs/audit.md); set by the event store. */
  hash?: string;
  /** The previous event's `hash`, or null for the first event of a chain. */
  previousHash?: string | null;
  [key: string]: unknown;
}

export function streamCategory(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}
