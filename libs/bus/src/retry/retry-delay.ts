export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];

/** Delay before the next attempt after delivery number `deliveryCount` failed; the last entry repeats. */
export function retryDelayFor(deliveryCount: number, delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS): number {
  const delays = delaysMs.length ? delaysMs : DEFAULT_RETRY_DELAYS_MS;
  return delays[Math.min(Math.max(deliveryCount, 1), delays.length) - 1];
}
