import { createHash } from 'node:crypto';
import type { EventMetadata } from '@hangar/contracts';
import { canonicalJson } from './canonical-json';

/** What an event's hash covers: everything a writer chooses, nothing the store assigns (position, recording time). */
export interface HashedContent {
  id: string;
  stream: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * The hash of one event chained to the one before it in its stream (docs/audit.md):
 * `hex(SHA-256(UTF-8(canonicalJson({id, stream, revision: "<decimal>", type, data, metadata, previousHash}))))`,
 * where `metadata` is the event's metadata without its `hash` and `previousHash` members, and `previousHash` is the
 * previous event's hash (null for a stream's first event).
 */
export function eventHash(event: HashedContent, previousHash: string | null): string {
  const { hash: _hash, previousHash: _previous, ...metadata } = event.metadata;
  const content = {
    id: event.id,
    stream: event.stream,
    revision: event.revision.toString(),
    type: event.type,
    data: event.data,
    metadata,
    previousHash,
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** The hash the next event of the stream links to: the stored one, or for an event stored before hashing, its own. */
export function linkHash(event: HashedContent, previousHash: string | null): string {
  return typeof event.metadata.hash === 'string' ? event.metadata.hash : eventHash(event, previousHash);
}

/** The hash a stream's next event links to, from the whole stream in revision order (null when empty). */
export function chainTip(events: readonly HashedContent[]): string | null {
  return events.reduce<string | null>((previous, event) => linkHash(event, previous), null);
}
