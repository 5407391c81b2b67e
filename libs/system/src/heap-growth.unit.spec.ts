import v8 from 'node:v8';
import { growHeapInFixedSteps, HEAP_GROWING_PERCENT } from './heap-growth';

describe('the heap of a Hangar process grows in fixed steps (see HEAP_GROWING_PERCENT; runUntilSignalled sets it)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sets V8\'s growing factor to twice the live heap', () => {
    const setFlags = jest.spyOn(v8, 'setFlagsFromString');
    growHeapInFixedSteps();
    expect(HEAP_GROWING_PERCENT).toBe(100);
    expect(setFlags).toHaveBeenCalledWith('--heap-growing-percent=100');
  });
});
