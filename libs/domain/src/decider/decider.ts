/**
 * A decider in the Emmett/Chassaing sense: pure functions, no I/O. Time and ids come in on the command.
 * `decide` returns the new facts (possibly none: repeating a command that already took effect is a no-op, so a
 * redelivered message never appends twice); `evolve` folds one fact into the state.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
}

export function fold<Event, State>(decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>, events: readonly Event[]): State {
  return events.reduce(decider.evolve, decider.initialState);
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
