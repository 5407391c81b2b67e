/**
 * `Engine/Build/Build.version` is JSON written by the engine's build (`MajorVersion`, `MinorVersion`,
 * `PatchVersion`, ...); it is the one place a packaged build states its engine version. Anything unreadable gives
 * `unknown` rather than a rejection: the version is shown to users, never used to judge a build.
 */
export function parseBuildVersion(content: Buffer | null): string {
  if (!content) return 'unknown';
  try {
    // UE writes it with a BOM on some platforms.
    const json = JSON.parse(content.toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
    const parts = [json.MajorVersion, json.MinorVersion, json.PatchVersion];
    if (!parts.every((p) => Number.isInteger(p) && (p as number) >= 0)) return 'unknown';
    return parts.join('.');
  } catch {
    return 'unknown';
  }
}
