/**
 * The check a worker agent runs on a build it has materialised before reporting it ready, e.g. launching the
 * executable headless. `command` is an argument vector, run without a shell in the build's folder, where `{dir}` is
 * replaced by the build folder and `{exe}` by the executable's path in it; a non-zero exit or running past
 * `timeoutSeconds` fails it ("Validation failed on worker").
 */
export interface SanityCheck {
  command: string[];
  timeoutSeconds: number;
}

export const SANITY_CHECK_LIMITS = { maxArguments: 64, maxArgumentLength: 4096, maxTimeoutSeconds: 3600 } as const;
