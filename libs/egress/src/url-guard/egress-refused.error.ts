/** A user-given URL Hangar will not fetch: wrong scheme, malformed, or a host that is not on the public internet. */
export class EgressRefused extends Error {
  readonly code = 'EGRESS_REFUSED' as const;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EgressRefused';
  }
}
