/** Which destinations user-given URLs (build downloads, webhooks) may reach. */
export interface EgressPolicy {
  /**
   * Loopback, private, link-local, CGNAT, unique-local and other non-public addresses are refused unless this is
   * true (`HANGAR_ALLOW_PRIVATE_NETWORKS=true`): a self-hosted install whose builds live on the LAN needs it.
   */
  allowPrivateNetworks: boolean;
  /**
   * Addresses or CIDR ranges allowed even when private networks are not, e.g. one internal file server
   * (`10.1.2.3`, `10.1.0.0/16`). Empty by default.
   */
  allowedAddresses?: readonly string[];
}

export const PRIVATE_NETWORKS_SETTING = 'HANGAR_ALLOW_PRIVATE_NETWORKS';

export function egressPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): EgressPolicy {
  return { allowPrivateNetworks: env[PRIVATE_NETWORKS_SETTING] === 'true' };
}
