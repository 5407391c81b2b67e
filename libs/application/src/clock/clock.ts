export const CLOCK = Symbol('CLOCK');
/** Time is an input: services read it here and hand it to the domain, so tests can fix it. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
