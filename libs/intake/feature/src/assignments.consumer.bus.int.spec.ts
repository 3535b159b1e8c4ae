import { Global, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CLOCK, ManualClock, newId, type Event } from '@ticketing/kernel';
import { EVENT_STORE, MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { BusExceptionFilter, EmbeddedBusServer, MemoryConsumerStateStore } from '@ticketing/messaging';
import { INTAKE_CONTEXT } from './intake.context';
import { IntakeConsumersModule } from './intake.module';

describe("intake's consumers on the bus", () => {
  const clock = new ManualClock('2026-11-25T10:05:00.000Z');
  let store: MemoryEventStore;
  let state: MemoryConsumerStateStore;
  let app: INestMicroservice;

  beforeEach(async () => {
    store = new MemoryEventStore({ clock });
    state = new MemoryConsumerStateStore();
    @Global()
    @Module({ providers: [{ provide: EVENT_STORE, useValue: store }, { provide: CLOCK, useValue: clock }], exports: [EVENT_STORE, CLOCK] })
    class Infrastructure {}
    // The module `ticketing start` runs on its consumer thread: the one the context declares.
    @Module({ imports: [Infrastructure, INTAKE_CONTEXT.consumers!] })
    class Root {}
    const server = new EmbeddedBusServer({ eventStore: store, state, clock, retry: { maxAttempts: 1 } });
    app = await NestFactory.createMicroservice(Root, { strategy: server, logger: false, abortOnError: false });
    // As connectBusMicroservice installs it: parked events keep the error the handler threw.
    app.useGlobalFilters(new BusExceptionFilter());
    await app.listen();
  });

  afterEach(async () => {
    await app.close();
    await store.close();
  });

  const append = (streamName: string, ticketId: string, event: Event) =>
    store.append(
      streamName,
      [
        {
          id: newId(),
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data as Record<string, unknown>,
          metadata: { ticketId, correlationId: 'corr-1', causationId: 'corr-1', actor: { kind: 'system', id: 'routing' }, occurredAt: '2026-11-25T10:00:00.000Z' },
        },
      ],
      { expectedRevision: 'any' },
    );

  const assignment = (ticketId: string, agentId: string): Event => ({
    type: 'TicketAssignedToAgent',
    schemaVersion: 1,
    data: { ticketId, agentId, queue: 'withdrawals-en', rule: 'auto', reason: 'least_loaded', by: 'routing', assignedAt: '2026-11-25T10:01:00.000Z' },
  });

  async function ticketEvents(ticketId: string, count: number): Promise<RecordedEvent[]> {
    for (let turn = 0; turn < 2_000; turn++) {
      const events: RecordedEvent[] = [];
      for await (const event of store.readStream(`ticket-${ticketId}`)) events.push(event);
      if (events.length >= count) return events;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`ticket ${ticketId} never reached ${count} events`);
  }

  it('declares its consumers module, so `ticketing start` runs it on the consumer thread', () => {
    expect(INTAKE_CONTEXT.consumers).toBe(IntakeConsumersModule);
  });

  it("follows routing's assignments and releases, and parks one for a ticket that does not exist", async () => {
    const ticketId = newId();
    await append(`ticket-${ticketId}`, ticketId, {
      type: 'TicketOpened',
      schemaVersion: 1,
      data: { ticketId, customerId: 'c-1', channel: 'chat', subject: 's', body: 'b', language: 'en', openedAt: '2026-11-25T10:00:00.000Z' },
    });
    const unknown = newId();
    const { lastGlobalPosition: parkedAt } = await append(`routing-${unknown}`, unknown, assignment(unknown, 'a-1'));
    await append(`routing-${ticketId}`, ticketId, assignment(ticketId, 'a-1'));
    await append(`routing-${ticketId}`, ticketId, {
      type: 'TicketReleasedFromAgent',
      schemaVersion: 1,
      data: { ticketId, agentId: 'a-1', queue: 'withdrawals-en', reason: 'released', by: 'a-1', releasedAt: '2026-11-25T10:02:00.000Z' },
    });

    const events = await ticketEvents(ticketId, 3);
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['TicketOpened', expect.anything()],
      ['TicketAssigned', { ticketId, assignee: 'a-1', assignedAt: '2026-11-25T10:01:00.000Z' }],
      ['TicketUnassigned', { ticketId, previousAssignee: 'a-1', reason: 'released', at: '2026-11-25T10:02:00.000Z' }],
    ]);
    expect(await state.listParked()).toEqual([
      // Its own group: on Kafka, `ticketing.intake`.
      expect.objectContaining({ group: 'intake', position: parkedAt, eventType: 'TicketAssignedToAgent', error: expect.objectContaining({ name: 'NotFoundError' }) }),
    ]);
  });
});
