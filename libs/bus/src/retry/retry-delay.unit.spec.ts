import { DEFAULT_RETRY_DELAYS_MS, retryDelayFor } from './retry-delay';

describe('retryDelayFor', () => {
  it('takes the delay of the failed attempt and repeats the last one', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayFor(n, [10, 20]))).toEqual([10, 20, 20, 20]);
  });

  it('falls back to the defaults', () => {
    expect(retryDelayFor(1)).toBe(DEFAULT_RETRY_DELAYS_MS[0]);
    expect(retryDelayFor(1, [])).toBe(DEFAULT_RETRY_DELAYS_MS[0]);
  });
});
