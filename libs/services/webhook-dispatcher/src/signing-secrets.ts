import type { WebhookSecretVault } from '@hangar/application';
import type { ExistingProject } from '@hangar/domain';

/**
 * The secrets a delivery is signed with now: the current one, and during the overlap after a rotation the one it
 * replaced too, so receivers can switch to the new secret at their own pace.
 */
export function signingSecrets(project: ExistingProject, vault: WebhookSecretVault, now: Date, overlapMs: number): string[] {
  const [current, previous] = project.webhookSecrets;
  if (!current) return [];
  const inOverlap = previous && now.getTime() < Date.parse(current.issuedAt) + overlapMs;
  return (inOverlap ? [current, previous] : [current]).map((s) => vault.open(s.sealedSecret));
}
