import { handleCommand, type EventStore } from '@ticketing/event-store';
import { newId, type Actor, type Clock, type Command, type Decider, type Event } from '@ticketing/kernel';
import { CorrelationContext, toEventActor, type AuthenticatedActor } from '@ticketing/platform';

/**
 * Runs a person's command on one of a ticket's case streams (`dispute-`, `recovery-`): the time and
 * the actor go on the command, the request's correlation on the events; a concurrent writer makes it
 * re-read and re-decide. Resolves with the stream's state after it.
 */
export async function runCaseCommand<State, C extends Command, E extends Event>(
  eventStore: EventStore,
  clock: Clock,
  target: Readonly<{ streamName: string; ticketId: string; decider: Decider<State, C, E> }>,
  actor: AuthenticatedActor,
  command: (now: string, by: Actor) => C,
): Promise<State> {
  const now = clock.now().toISOString();
  const by = toEventActor(actor);
  const correlationId = CorrelationContext.currentCorrelationId() ?? newId();
  const result = await handleCommand(eventStore, target.streamName, target.decider, command(now, by), {
    metadata: { ticketId: target.ticketId, correlationId, causationId: correlationId, actor: by, occurredAt: now },
    maxRetries: 10,
  });
  return result.newState;
}
