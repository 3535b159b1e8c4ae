import { Global, Module, type CallHandler, type ExecutionContext, type INestMicroservice, type NestInterceptor } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TICKET_OPENED_SCHEMA_VERSION } from '@ticketing/contracts';
import { openReadStore, READ_STORE, type ReadStore } from '@ticketing/read-store';
import { CLOCK, ManualClock, newId } from '@ticketing/kernel';
import { EVENT_STORE, MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { EmbeddedBusServer, MemoryConsumerStateStore } from '@ticketing/messaging';
import { RoutingConsumersModule } from './routing.module';

/** What each `@EventPattern` handler of the app was handed as its payload. */
class PayloadRecorder implements NestInterceptor {
  readonly payloads: Array<Readonly<{ handler: string; payload: unknown }>> = [];
  intercept(context: ExecutionContext, next: CallHandler) {
    this.payloads.push({ handler: `${context.getClass().name}.${context.getHandler().name}`, payload: context.switchToRpc().getData() });
    return next.handle();
  }
}

describe('TicketOpenedConsumer on the bus', () => {
  const clock = new ManualClock('2026-11-25T10:00:05.000Z');
  let store: MemoryEventStore;
  let app: INestMicroservice;
  let recorder: PayloadRecorder;
  let readStore: ReadStore;

  beforeEach(async () => {
    store = new MemoryEventStore({ clock });
    readStore = await openReadStore('memory:');
    @Global()
    @Module({
      providers: [
        { provide: EVENT_STORE, useValue: store },
        { provide: CLOCK, useValue: clock },
        { provide: READ_STORE, useValue: readStore },
      ],
      exports: [EVENT_STORE, CLOCK, READ_STORE],
    })
    class Infrastructure {}
    @Module({ imports: [Infrastructure, RoutingConsumersModule] })
    class Root {}
    const server = new EmbeddedBusServer({ eventStore: store, state: new MemoryConsumerStateStore(), clock, retry: { maxAttempts: 1 } });
    app = await NestFactory.createMicroservice(Root, { strategy: server, logger: false });
    recorder = new PayloadRecorder();
    app.useGlobalInterceptors(recorder);
    await app.listen();
  });

  afterEach(async () => {
    await app.close();
    await readStore.close();
    await store.close();
  });

  async function queued(ticketId: string): Promise<RecordedEvent> {
    for (let turn = 0; turn < 2_000; turn++) {
      const events: RecordedEvent[] = [];
      for await (const event of store.readStream(`routing-${ticketId}`)) events.push(event);
      const queuedEvent = events.find((event) => event.type === 'TicketQueued');
      if (queuedEvent) return queuedEvent;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`ticket ${ticketId} never queued`);
  }

  it('gets a version 1 TicketOpened stored long ago in its current shape, and classifies and queues the ticket', async () => {
    const ticketId = newId();
    const v1 = { ticketId, customerId: 'c-1', channel: 'email', subject: '출금 지연', body: '출금 신청한 지 5시간째 처리중입니다. 언제 완료되나요?', language: 'ko', openedAt: '2026-11-25T10:00:00.000Z' };
    await store.append(
      `ticket-${ticketId}`,
      [
        {
          id: newId(),
          type: 'TicketOpened',
          schemaVersion: 1,
          data: v1,
          metadata: { ticketId, correlationId: 'corr-1', causationId: 'corr-1', actor: { kind: 'customer', id: 'c-1' }, occurredAt: v1.openedAt },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    expect(await queued(ticketId)).toMatchObject({ type: 'TicketQueued', data: { ticketId, queue: 'security-emergency' } });
    expect(recorder.payloads).toEqual([
      {
        handler: 'TicketOpenedConsumer.classifyAndQueue',
        payload: expect.objectContaining({
          type: 'TicketOpened',
          schemaVersion: TICKET_OPENED_SCHEMA_VERSION,
          streamName: `ticket-${ticketId}`,
          data: {
            ...v1,
            subjectDerived: false,
            channelDetails: null,
            languageGiven: 'ko',
            detectedLanguage: null,
            languageFallback: false,
            assetContext: null,
            linkedFromTicketId: null,
          },
        }),
      },
    ]);
  });
});
