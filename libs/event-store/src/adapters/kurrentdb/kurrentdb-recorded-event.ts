import type { AllStreamResolvedEvent, ResolvedEvent } from '@kurrent/kurrentdb-client';
import type { EventMetadata } from '@hangar/contracts';
import type { RecordedEvent } from '../../port/event-store.port';

/**
 * Our event from KurrentDB's, or null for what the port does not carry: unresolved links and system events
 * (types and streams starting with `$`). The position is the commit position in KurrentDB's log.
 */
export function recordedEventOf(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith('$')) return null;
  const position = resolved.commitPosition ?? event.position?.commit;
  if (position === undefined) throw new Error(`KurrentDB returned event ${event.id} without a position (server older than 22.6?)`);
  return {
    id: event.id,
    stream: event.streamId,
    type: event.type,
    data: event.data,
    metadata: isMetadata(event.metadata) ? event.metadata : {},
    revision: event.revision,
    position,
    recordedAt: event.created,
  };
}

function isMetadata(value: unknown): value is EventMetadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
