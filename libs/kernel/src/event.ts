/** Who caused something: every request and every event carries one. */
export type ActorKind = 'customer' | 'agent' | 'supervisor' | 'auditor' | 'ops' | 'service' | 'admin' | 'system';

export type Actor = Readonly<{ kind: ActorKind; id: string }>;

/** The system itself acting (timers, routing rules), as opposed to a person or a calling service. */
export const systemActor = (id: string): Actor => ({ kind: 'system', id });

/** Metadata every event carries; the hash chain is added by the event store, not by deciders. */
export type EventMetadata = Readonly<{
  /**
   * The ticket concerned, on events of a ticket's streams and wherever else one is; absent on
   * events of no ticket (`agent-<id>`, `sla-policy`). It orders nothing: the stream name does
   * (`orderingKeyOf` in libs/contracts, docs/architecture.md §5).
   */
  ticketId?: string;
  correlationId: string;
  causationId: string;
  actor: Actor;
  occurredAt: string;
  /**
   * W3C traceparent of the span that appended it (the request, or the handler of the event that
   * caused it): consumers continue that trace. Absent on events appended outside any trace.
   */
  traceparent?: string;
}>;

/** A domain event: a past-tense fact with a schema version. */
export type Event<Type extends string = string, Data extends object = object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
  schemaVersion: number;
}>;

/** A request to change a stream; time, ids and the actor come in on it so `decide` stays pure. */
export type Command<Type extends string = string, Data extends object = object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

export type EventOf<E extends Event, T extends E['type']> = Extract<E, { type: T }>;

/** A pure state machine for one stream: the write model. */
export interface Decider<State, C extends Command, E extends Event> {
  initialState(): State;
  evolve(state: State, event: E): State;
  decide(command: C, state: State): E | readonly E[];
}

/** Fold a stream's events into the decider's state. */
export function foldEvents<State, E extends Event>(
  decider: Pick<Decider<State, Command, E>, 'initialState' | 'evolve'>,
  events: Iterable<E>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Compile-time proof that a switch over a union is exhaustive. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
