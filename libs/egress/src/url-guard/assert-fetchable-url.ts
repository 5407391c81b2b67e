import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PRIVATE_NETWORKS_SETTING, type EgressPolicy } from '../egress-policy/egress-policy';
import { nonPublicAddressKind } from './address-classification';
import { EgressRefused } from './egress-refused.error';

export type HostLookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface UrlGuardOptions {
  /** How the URL is named in messages; default `fileUrl`. */
  label?: string;
  /** DNS resolution; default `dns.lookup` with all addresses (what the connection will use). */
  lookup?: HostLookup;
}

const defaultLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });
const ALLOW_HINT = `; set ${PRIVATE_NETWORKS_SETTING}=true to allow private networks`;

/**
 * Checks a user-given URL before anything is fetched from it: http or https only, and unless the policy allows
 * private networks, a host whose every address is public. The WHATWG URL parser has already normalised odd
 * spellings (`http://2130706433/`, `http://0x7f.1/` are `127.0.0.1`; `[::ffff:7f00:1]`); names are resolved as the
 * connection would resolve them. This is the early, friendly check: the agents of `createEgressAgents` check again
 * at connection time, which is what defeats DNS rebinding and redirects. Throws `EgressRefused`; the message never
 * contains the URL's path or query (pre-signed URLs carry credentials there).
 */
export async function assertFetchableUrl(url: string, policy: EgressPolicy, options: UrlGuardOptions = {}): Promise<URL> {
  const label = options.label ?? 'fileUrl';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EgressRefused(`${label} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new EgressRefused(`${label} must be an http or https URL, not ${parsed.protocol.replace(/:$/, '')}`);
  }
  if (policy.allowPrivateNetworks) return parsed;

  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const allowed = policy.allowedAddresses ?? [];
  if (isIP(host)) {
    const kind = nonPublicAddressKind(host, allowed);
    if (kind) throw new EgressRefused(`${label} host ${host} is ${kind}${ALLOW_HINT}`);
    return parsed;
  }
  let addresses: { address: string }[];
  try {
    addresses = await (options.lookup ?? defaultLookup)(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new EgressRefused(`${label} host ${host} cannot be resolved (${code})`);
  }
  if (addresses.length === 0) throw new EgressRefused(`${label} host ${host} cannot be resolved (no addresses)`);
  for (const { address } of addresses) {
    const kind = nonPublicAddressKind(address, allowed);
    if (kind) throw new EgressRefused(`${label} host ${host} resolves to ${address}, ${kind}${ALLOW_HINT}`);
  }
  return parsed;
}
