import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { EgressPolicy } from '../egress-policy/egress-policy';

export interface EgressAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * An http/https agent pair (got's `agent` option) that checks the address of every connection it opens, after DNS
 * resolution: each redirect hop and a name that resolves differently the second time (DNS rebinding) are caught
 * here even though `assertFetchableUrl` passed. Non-unicast addresses are refused unless the policy allows private
 * networks; `0.0.0.0`/`::` are refused always. No keep-alive: nothing lingers once a transfer ends.
 */
export function createEgressAgents(policy: EgressPolicy): EgressAgents {
  const options = {
    keepAlive: false,
    allowPrivateIPAddress: policy.allowPrivateNetworks,
    allowMetaIPAddress: false,
    allowIPAddressList: [...(policy.allowedAddresses ?? [])],
  };
  return { http: new RequestFilteringHttpAgent(options), https: new RequestFilteringHttpsAgent(options) };
}

/** request-filtering-agent reports a refused address with this wording; it is how we recognise it in got's errors. */
export function isRefusedConnection(error: unknown): boolean {
  return error instanceof Error && /is not allowed\. Because/.test(error.message);
}
