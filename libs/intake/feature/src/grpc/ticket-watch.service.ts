import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { STAFF_ONLY_EVENT_TYPES, streams } from '@ticketing/contracts';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import { PROJECTION_RUNNER, type ProjectionRunner } from '@ticketing/read-store';
import type { AuthenticatedActor } from '@ticketing/platform';
import { TICKET_LIST_PROJECTION, type TicketRow } from '../ticket-list/ticket-list.projection';
import { TicketListQuery, toTicketResponse } from '../ticket-list/ticket-list.query';
import { evolveTicketRow } from '../ticket-list/ticket-row.evolve';
import type { TicketResponse } from '../ticket.response.dto';

/** One change of a watched ticket: the event and the ticket as it was once that change happened. */
export type TicketChange = Readonly<{ event: RecordedEvent; ticket: TicketResponse }>;

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
   * then returns its changes after `fromPosition` (default: the log's head now), each with the
   * ticket as of that change, and completes after the TicketMerged change (at once when the ticket
   * was merged by `fromPosition`). Unsubscribing closes the event-store subscription.
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
        // Replayed changes carry the ticket as it was then: fold its events, as the read model
        // does, from the ticket as of `after` (the read model itself only knows the present).
        let row = await this.ticketRowAt([...streamNames], after);
        if (row?.status !== 'merged') {
          for await (const event of subscription) {
            // Prefixes: an exact name match keeps out any stream whose name merely starts like these.
            if (!streamNames.has(event.streamName)) continue;
            row = evolveTicketRow(row, event);
            if (hidden.has(event.type) || row === undefined) continue;
            // Live changes wait for the read model, so a client reading the ticket next sees at least this.
            await this.projections.caughtUpTo(TICKET_LIST_PROJECTION, event.globalPosition, { signal: cancelled.signal });
            subscriber.next({ event, ticket: toTicketResponse(row, actor) });
            // A merged ticket changes no more: its watchers are done.
            if (event.type === 'TicketMerged') break;
          }
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

  /** The ticket's row after every event of `streamNames` up to global position `at`, in global order. */
  private async ticketRowAt(streamNames: readonly string[], at: number): Promise<TicketRow | undefined> {
    const events: RecordedEvent[] = [];
    for (const streamName of streamNames) {
      for await (const event of this.eventStore.readStream(streamName)) {
        if (event.globalPosition > at) break;
        events.push(event);
      }
    }
    return events.sort((a, b) => a.globalPosition - b.globalPosition).reduce<TicketRow | undefined>(evolveTicketRow, undefined);
  }
}
