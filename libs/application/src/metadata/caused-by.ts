import type { EventMetadata, PublishedEvent } from '@hangar/contracts';

/**
 * Metadata for the events a service appends in reaction to `event`: the same correlation id as the whole chain
 * (the build's upload, usually), the triggering event as the cause, and the service as the actor. Auditors follow
 * these links to answer "who or what did this, and why".
 */
export function causedBy(event: PublishedEvent, service: string): EventMetadata {
  return {
    correlationId: (event.metadata?.correlationId as string | undefined) ?? event.id,
    causationId: event.id,
    actor: `service:${service}`,
  };
}
