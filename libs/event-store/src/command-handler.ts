import { ConcurrencyError, newId, type Command, type Decider, type Event, type EventMetadata } from '@ticketing/kernel';
import type { EventStore, ExpectedRevision, RecordedEvent } from './event-store.port';

export type CommandHandlerOptions<E extends Event> = Readonly<{
  metadata: EventMetadata;
  /** Ids of the decided events; derive them from the causing event to make handlers idempotent. */
  eventId?: (event: E, index: number) => string;
  /** Re-read and re-decide this many times when another writer moved the stream on. */
  maxRetries?: number;
  /** Brings stored events of older schema versions to the shape `evolve` expects. */
  upcast?: (event: Event) => E;
  /**
   * The caller expects the stream not to exist yet (its id was just made, or it is usually first):
   * the first attempt decides on the initial state without reading, appending with `no_stream`. If
   * the stream exists after all, that append conflicts and the retry reads and decides as usual.
   */
  expectNewStream?: boolean;
}>;

export type CommandResult<State, E extends Event> = Readonly<{
  newEvents: readonly E[];
  newState: State;
  /** Revision of the stream's last event after the command, -1 when the stream does not exist. */
  nextExpectedRevision: number;
  /** Global position of the last appended event, or undefined when nothing was appended. */
  lastGlobalPosition?: number;
}>;

const toDomainEvent = (recorded: RecordedEvent): Event => ({
  type: recorded.type,
  schemaVersion: recorded.schemaVersion,
  data: recorded.data,
});

/**
 * A stream's current state, read page by page and folded with the decider's `evolve` (each event
 * upcast first when `upcast` is given): what a query answers from, never behind a write.
 */
export async function readStreamState<State, E extends Event>(
  eventStore: EventStore,
  streamName: string,
  decider: Pick<Decider<State, Command, E>, 'initialState' | 'evolve'>,
  upcast?: (event: Event) => E,
): Promise<State> {
  let state = decider.initialState();
  for await (const recorded of eventStore.readStream(streamName)) {
    const event = toDomainEvent(recorded);
    state = decider.evolve(state, upcast ? upcast(event) : (event as E));
  }
  return state;
}

/**
 * Reads the stream, folds it, decides and appends with the revision it read (docs/architecture.md §3).
 * On a concurrency conflict it re-reads and re-decides, at most `maxRetries` times.
 */
export async function handleCommand<State, C extends Command, E extends Event>(
  eventStore: EventStore,
  streamName: string,
  decider: Decider<State, C, E>,
  command: C,
  options: CommandHandlerOptions<E>,
): Promise<CommandResult<State, E>> {
  const maxRetries = options.maxRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    let state = decider.initialState();
    let revision = -1;
    if (attempt > 0 || !options.expectNewStream) {
      for await (const recorded of eventStore.readStream(streamName)) {
        const event = toDomainEvent(recorded);
        state = decider.evolve(state, options.upcast ? options.upcast(event) : (event as E));
        revision = recorded.streamRevision;
      }
    }
    const decided = decider.decide(command, state);
    const newEvents: readonly E[] = Array.isArray(decided) ? decided : [decided as E];
    if (newEvents.length === 0) return { newEvents, newState: state, nextExpectedRevision: revision };

    const expectedRevision: ExpectedRevision = revision === -1 ? 'no_stream' : revision;
    try {
      const result = await eventStore.append(
        streamName,
        newEvents.map((event, index) => ({
          id: options.eventId?.(event, index) ?? newId(),
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data as Record<string, unknown>,
          metadata: options.metadata,
        })),
        { expectedRevision },
      );
      const newState = newEvents.reduce(decider.evolve, state);
      return { newEvents, newState, ...result };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxRetries) throw error;
    }
  }
}
