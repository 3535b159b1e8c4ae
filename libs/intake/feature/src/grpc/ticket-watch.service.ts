import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { streams } from '@ticketing/contracts';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import { PROJECTION_RUNNER, type ProjectionRunner } from '@ticketing/read-store';
import type { AuthenticatedActor } from '@ticketing/platform';
import { TICKET_LIST_PROJECTION } from '../ticket-list/ticket-list.projection';
import { TicketListQuery } from '../ticket-list/ticket-list.query';
import type { TicketResponse } from '../ticket.response.dto';

/** One change of a watched ticket: the event and the ticket once the read model includes it. */
export type TicketChange = Readonly<{ event: RecordedEvent; ticket: TicketResponse }>;

/** Changes customers never see: notes are for staff only, on every API. */
const STAFF_ONLY_EVENT_TYPES: ReadonlySet<string> = new Set(['InternalNoteAdded']);

/** Follows one ticket's intake and routing streams for WatchTicket. */
@Injectable()
export class TicketWatchService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly tickets: TicketListQuery,
  ) {}

  /**
   * Checks the caller may see the ticket (NotFoundError otherwise, also for another customer's),
   * then returns its changes after `fromPosition` (default: the log's head now). Unsubscribing
   * closes the event-store subscription.
   */
  async watch(ticketId: string, actor: AuthenticatedActor, fromPosition?: number): Promise<Observable<TicketChange>> {
    await this.tickets.findVisible(ticketId, actor);
    const after = fromPosition ?? (await this.eventStore.headPosition());
    const streamNames = new Set([streams.ticket(ticketId), streams.routing(ticketId)]);
    const hidden = actor.kind === 'customer' ? STAFF_ONLY_EVENT_TYPES : new Set<string>();
    return new Observable<TicketChange>((subscriber) => {
      const subscription = this.eventStore.subscribe({ fromPosition: after, filter: { streamPrefixes: [...streamNames] } });
      const cancelled = new AbortController();
      const follow = async () => {
        for await (const event of subscription) {
          // Prefixes: an exact name match keeps out any stream whose name merely starts like these.
          if (!streamNames.has(event.streamName) || hidden.has(event.type)) continue;
          await this.projections.caughtUpTo(TICKET_LIST_PROJECTION, event.globalPosition, { signal: cancelled.signal });
          subscriber.next({ event, ticket: await this.tickets.getVisible(ticketId, actor) });
        }
        subscriber.complete();
      };
      follow().catch((error: unknown) => {
        if (!cancelled.signal.aborted) subscriber.error(error);
      });
      return () => {
        cancelled.abort();
        void subscription.close();
      };
    });
  }
}
