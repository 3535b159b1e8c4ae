import { ManualClock, newId } from '@ticketing/kernel';
import { upcastPublicEvent, type TicketOpened } from '@ticketing/contracts';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import type { BusEvent } from '@ticketing/messaging';
import { TicketOpenedConsumer } from './ticket-opened.consumer';

/** Appends a version 1 TicketOpened; returns it as the bus hands it over (upcast). */
async function openTicket(store: MemoryEventStore, channel: string, language: string): Promise<BusEvent<TicketOpened>> {
  const ticketId = newId();
  await store.append(
    `ticket-${ticketId}`,
    [
      {
        id: newId(),
        type: 'TicketOpened',
        schemaVersion: 1,
        data: { ticketId, customerId: 'c-1', channel, subject: 's', body: 'b', language, openedAt: '2026-11-25T10:00:00.000Z' },
        metadata: {
          ticketId,
          correlationId: 'corr-1',
          causationId: 'corr-1',
          actor: { kind: 'customer', id: 'c-1' },
          occurredAt: '2026-11-25T10:00:00.000Z',
        },
      },
    ],
    { expectedRevision: 'no_stream' },
  );
  for await (const event of store.readStream(`ticket-${ticketId}`)) return upcastPublicEvent(event) as BusEvent<TicketOpened>;
  throw new Error('not appended');
}

/** The routing stream of the ticket `opened` opened. */
async function routingStream(store: MemoryEventStore, opened: RecordedEvent): Promise<RecordedEvent[]> {
  const { ticketId } = opened.data as { ticketId: string };
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(`routing-${ticketId}`)) events.push(event);
  return events;
}

describe('TicketOpenedConsumer', () => {
  let store: MemoryEventStore;
  let consumer: TicketOpenedConsumer;
  const clock = new ManualClock('2026-11-25T10:00:05.000Z');

  beforeEach(() => {
    store = new MemoryEventStore({ clock });
    consumer = new TicketOpenedConsumer(store, clock);
  });

  afterEach(() => store.close());

  it('queues the ticket in its own routing stream, caused by the TicketOpened', async () => {
    const opened = await openTicket(store, 'email', 'ja');
    await consumer.queue(opened);
    const [queued, ...rest] = await routingStream(store, opened);
    expect(rest).toEqual([]);
    expect(queued).toMatchObject({
      type: 'TicketQueued',
      data: { ticketId: opened.metadata.ticketId, queue: 'tickets-ja', rule: 'async-by-language', queuedAt: '2026-11-25T10:00:05.000Z' },
      metadata: { causationId: opened.id, correlationId: 'corr-1', actor: { kind: 'system', id: 'routing' } },
    });
  });

  it('queues once when the same TicketOpened is delivered again later', async () => {
    const opened = await openTicket(store, 'chat', 'en');
    await consumer.queue(opened);
    clock.advance(60_000);
    await consumer.queue(opened);
    expect(await routingStream(store, opened)).toHaveLength(1);
  });

  it('queues once when the same TicketOpened is delivered to several consumers at the same time', async () => {
    const opened = await openTicket(store, 'chat', 'zh');
    const others = Array.from({ length: 8 }, () => new TicketOpenedConsumer(store, clock));
    await Promise.all(others.map((other) => other.queue(opened)));
    const events = await routingStream(store, opened);
    expect(events.map((event) => event.data.queue)).toEqual(['chat-zh']);
  });
});
