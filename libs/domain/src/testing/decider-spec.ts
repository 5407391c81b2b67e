import { fold, type Decider } from '../decider/decider';

/** Given past events, when a command, then these new events (or this error): the decider's whole contract. */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, events));
          return {
            then(expected: E[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows(error: new (...args: never[]) => Error, message?: RegExp) {
              expect(run).toThrow(error);
              if (message) expect(run).toThrow(message);
            },
          };
        },
      };
    },
  };
}
