import ipaddr from 'ipaddr.js';

const RANGE_DESCRIPTIONS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10) address',
  uniqueLocal: 'a unique-local (fc00::/7) address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  amt: 'an AMT address',
  as112: 'an AS112 address',
  as112v6: 'an AS112 address',
  deprecated: 'a deprecated address',
  orchid2: 'an ORCHIDv2 address',
  ipv4Mapped: 'an IPv4-mapped address',
  rfc6145: 'an IPv4-translated address',
  rfc6052: 'a NAT64 address',
  '6to4': 'a 6to4 address',
  teredo: 'a Teredo address',
  discard: 'a discard-only address',
};

const CLOUD_METADATA = ['169.254.169.254', 'fd00:ec2::254'];

function matches(address: ipaddr.IPv4 | ipaddr.IPv6, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    try {
      if (entry.includes('/')) {
        const range = ipaddr.parseCIDR(entry);
        if (address.kind() === range[0].kind() && address.match(range)) return true;
      } else if (ipaddr.parse(entry).toNormalizedString() === address.toNormalizedString()) {
        return true;
      }
    } catch {
      // An unparsable entry allows nothing.
    }
  }
  return false;
}

/**
 * Null when `ip` is a public unicast address (or explicitly allowed), else what it is, for the refusal message.
 * Anything ipaddr.js does not call `unicast` is refused: a new special range is then refused by default. An
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries.
 */
export function nonPublicAddressKind(ip: string, allowedAddresses: readonly string[] = []): string | null {
  if (!ipaddr.isValid(ip)) return 'not an IP address';
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
  }
  if (matches(address, allowedAddresses)) return null;
  const range = address.range();
  if (range === 'unicast') return null;
  if (CLOUD_METADATA.includes(address.toNormalizedString()) || CLOUD_METADATA.includes(address.toString())) {
    return 'the cloud metadata address (link-local)';
  }
  return RANGE_DESCRIPTIONS[range] ?? `a non-public address (${range})`;
}
