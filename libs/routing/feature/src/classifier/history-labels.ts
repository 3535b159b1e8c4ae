import { ERASED_PERSONAL_DATA, upcastPublicEvent, type Category, type TicketClassified, type TicketOpened, type TicketRecategorized } from '@ticketing/contracts';
import type { EventStore } from '@ticketing/event-store';
import type { LabelledInquiry } from './training-data';

/** A past ticket's text with what the model said and what people settled on. */
export type HistoricalTicket = LabelledInquiry &
  Readonly<{
    ticketId: string;
    /** The category the model gave when the ticket was opened. */
    classifiedAs: Category;
    modelVersion: string;
    /** True when a person changed the category: `category` is then theirs. */
    corrected: boolean;
  }>;

/**
 * Every classified ticket of the event history with the label it ended with: the last
 * TicketRecategorized's `to` where agents corrected it, else the classification nobody changed.
 * Read by event type from the global log (intake's TicketOpened for the text), in one pass; tickets
 * of customers whose personal data was erased are left out.
 */
export async function historicalTickets(eventStore: EventStore): Promise<HistoricalTicket[]> {
  const opened = new Map<string, TicketOpened['data']>();
  const classified = new Map<string, TicketClassified['data']>();
  const corrected = new Map<string, Category>();
  for await (const recorded of eventStore.readAll({ filter: { eventTypes: ['TicketOpened', 'TicketClassified', 'TicketRecategorized'] } })) {
    const event = upcastPublicEvent(recorded) as TicketOpened | TicketClassified | TicketRecategorized;
    if (event.type === 'TicketOpened') opened.set(event.data.ticketId, event.data);
    else if (event.type === 'TicketClassified') classified.set(event.data.ticketId, event.data);
    else corrected.set(event.data.ticketId, event.data.to);
  }
  const tickets: HistoricalTicket[] = [];
  for (const [ticketId, classification] of classified) {
    const ticket = opened.get(ticketId);
    // An erased customer's text is gone: nothing to learn from or evaluate on.
    if (ticket === undefined || ticket.body === ERASED_PERSONAL_DATA) continue;
    const correction = corrected.get(ticketId);
    tickets.push({
      ticketId,
      text: ticket.body,
      // A derived subject repeats the body: the model reads it once, as when it classified the ticket.
      ...(ticket.subjectDerived ? {} : { subject: ticket.subject }),
      channel: ticket.channel,
      language: ticket.language,
      category: correction ?? classification.category,
      classifiedAs: classification.category,
      modelVersion: classification.modelVersion,
      corrected: correction !== undefined && correction !== classification.category,
    });
  }
  return tickets;
}
