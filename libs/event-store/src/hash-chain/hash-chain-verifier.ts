import type { EventMetadata } from '@hangar/contracts';
import { eventHash, type HashedContent } from './event-hash';

/** An event as the verifier reads it: from the store, or from a line of an audit export. */
export interface VerifiableEvent extends HashedContent {
  position: bigint;
}

/**
 * The first link of a chain that does not hold:
 * - `revision`: the stream's next revision was expected and another found (an event removed, or streams reordered);
 * - `previousHash`: the event does not link to the previous event's hash (an event before it changed or removed);
 * - `hash`: the event's contents do not give its stored hash (the event itself changed);
 * - `missingHash`: an event without a hash after the stream's chain had begun (hashes stripped).
 */
export interface BrokenLink {
  stream: string;
  revision: string;
  position: string;
  eventId: string;
  problem: 'revision' | 'previousHash' | 'hash' | 'missingHash';
  expected: string | null;
  found: string | null;
}

export interface ChainVerification {
  ok: boolean;
  /** Events checked (up to and including the broken link, when there is one). */
  events: number;
  streams: number;
  /** Events stored before hashing began: sealed when a hashed event of their stream follows them (docs/audit.md). */
  unhashedEvents: number;
  /** Streams whose last event has no hash (the first 100): stored before hashing, and nothing seals them yet. */
  unsealedStreams: string[];
  unsealedStreamCount: number;
  brokenLink: BrokenLink | null;
}

interface StreamTip {
  revision: bigint;
  hash: string;
  chained: boolean;
}

/** At most this many unsealed streams are named in a verification (the count is in `unhashedEvents`). */
const MAX_NAMED_UNSEALED = 100;

/**
 * Checks hash chains event by event, streams interleaved in any order as long as each stream's events come in
 * revision order (the store's position order does that). Stops at the first broken link.
 */
export class HashChainVerifier {
  private readonly tips = new Map<string, StreamTip>();
  private events = 0;
  private unhashedEvents = 0;
  private broken: BrokenLink | null = null;

  /** Checks one more event; returns the broken link once one is found (later events are not looked at). */
  check(event: VerifiableEvent): BrokenLink | null {
    if (this.broken) return this.broken;
    this.events++;
    const tip = this.tips.get(event.stream);
    const expectedRevision = tip ? tip.revision + 1n : 0n;
    if (event.revision !== expectedRevision) return this.fail(event, 'revision', expectedRevision.toString(), event.revision.toString());
    const previousHash = tip?.hash ?? null;
    const computed = eventHash(event, previousHash);
    const { hash, previousHash: linkedTo } = event.metadata as EventMetadata;
    if (typeof hash !== 'string') {
      if (tip?.chained) return this.fail(event, 'missingHash', computed, null);
      this.unhashedEvents++;
      this.tips.set(event.stream, { revision: event.revision, hash: computed, chained: false });
      return null;
    }
    if ((linkedTo ?? null) !== previousHash) return this.fail(event, 'previousHash', previousHash, linkedTo ?? null);
    if (computed !== hash) return this.fail(event, 'hash', computed, hash);
    this.tips.set(event.stream, { revision: event.revision, hash, chained: true });
    return null;
  }

  result(): ChainVerification {
    const unsealed = [...this.tips].filter(([, tip]) => !tip.chained).map(([stream]) => stream);
    return {
      ok: this.broken === null,
      events: this.events,
      streams: this.tips.size,
      unhashedEvents: this.unhashedEvents,
      unsealedStreams: unsealed.slice(0, MAX_NAMED_UNSEALED),
      unsealedStreamCount: unsealed.length,
      brokenLink: this.broken,
    };
  }

  private fail(event: VerifiableEvent, problem: BrokenLink['problem'], expected: string | null, found: string | null): BrokenLink {
    this.broken = {
      stream: event.stream,
      revision: event.revision.toString(),
      position: event.position.toString(),
      eventId: event.id,
      problem,
      expected,
      found,
    };
    return this.broken;
  }
}

/** Verifies every event of a store (or any source of pages in position order). */
export async function verifyHashChains(readPage: (after: bigint | undefined) => Promise<VerifiableEvent[]>): Promise<ChainVerification> {
  const verifier = new HashChainVerifier();
  let after: bigint | undefined;
  for (;;) {
    const page = await readPage(after);
    if (page.length === 0) break;
    for (const event of page) if (verifier.check(event)) return verifier.result();
    after = page[page.length - 1]!.position;
  }
  return verifier.result();
}
