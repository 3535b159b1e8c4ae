import { ManualClock, newId } from '@ticketing/kernel';
import { upcastPublicEvent, type TicketOpened } from '@ticketing/contracts';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import type { BusEvent } from '@ticketing/messaging';
import { DEFAULT_ROUTING_RULES } from '@ticketing/routing-domain';
import { shippedClassifierModels } from './classifier/classifier-models.provider';
import { InlineTicketClassifier } from './classifier/ticket-classifier';
import { TicketOpenedConsumer } from './ticket-opened.consumer';

const classifier = new InlineTicketClassifier(shippedClassifierModels());
const consumerOf = (store: MemoryEventStore, clock: ManualClock) => new TicketOpenedConsumer(store, clock, classifier, DEFAULT_ROUTING_RULES);

/** Appends a version 1 TicketOpened; returns it as the bus hands it over (upcast). */
async function openTicket(store: MemoryEventStore, channel: string, language: string, body = 'b', assetContext?: object): Promise<BusEvent<TicketOpened>> {
  const ticketId = newId();
  await store.append(
    `ticket-${ticketId}`,
    [
      {
        id: newId(),
        type: 'TicketOpened',
        data: { ticketId, customerId: 'c-1', channel, subject: '', body, language, openedAt: '2026-11-25T10:00:00.000Z', ...(assetContext && { assetContext }) },
        schemaVersion: assetContext ? 2 : 1,
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
    consumer = consumerOf(store, clock);
  });

  afterEach(() => store.close());

  it('classifies the ticket by its text with the shipped model and queues it, in its own routing stream, caused by the TicketOpened', async () => {
    const opened = await openTicket(store, 'email', 'ja', '先物ポジションがロスカットされました。インデックス価格とロスカット価格が大きく乖離しています。説明してください。');
    await consumer.classifyAndQueue(opened);
    const [classified, queued, ...rest] = await routingStream(store, opened);
    expect(rest).toEqual([]);
    expect(classified).toMatchObject({
      type: 'TicketClassified',
      data: { ticketId: opened.metadata.ticketId, channel: 'email', language: 'ja', category: 'liquidation_dispute', priority: 'high', modelVersion: classifier.modelVersion },
      metadata: { causationId: opened.id, correlationId: 'corr-1', actor: { kind: 'system', id: 'routing' } },
    });
    expect(queued).toMatchObject({
      type: 'TicketQueued',
      data: { ticketId: opened.metadata.ticketId, queue: 'trading-ja', rule: 'category-by-language', queuedAt: '2026-11-25T10:00:05.000Z' },
      metadata: { causationId: opened.id },
    });
  });

  it('puts a withdrawal problem in the emergency lane and raises a large amount', async () => {
    const opened = await openTicket(store, 'chat', 'en', 'my USDT withdrawal has been pending for 6 hours and the txid is not on chain', { asset: 'USDT', amount: '25000' });
    await consumer.classifyAndQueue(opened);
    const [classified, queued] = await routingStream(store, opened);
    expect(classified.data).toMatchObject({ category: 'withdrawal_issue', priority: 'emergency', signals: ['asset_amount_above_threshold'] });
    expect(queued.data).toMatchObject({ queue: 'security-emergency' });
  });

  it('queues once when the same TicketOpened is delivered again later', async () => {
    const opened = await openTicket(store, 'chat', 'en');
    await consumer.classifyAndQueue(opened);
    clock.advance(60_000);
    await consumer.classifyAndQueue(opened);
    expect(await routingStream(store, opened)).toHaveLength(2);
  });

  it('queues once when the same TicketOpened is delivered to several consumers at the same time', async () => {
    const opened = await openTicket(store, 'chat', 'zh', '我的账户被盗了，有人登录并提走了我的USDT');
    const others = Array.from({ length: 8 }, () => consumerOf(store, clock));
    await Promise.all(others.map((other) => other.classifyAndQueue(opened)));
    const events = await routingStream(store, opened);
    expect(events.map((event) => event.type)).toEqual(['TicketClassified', 'TicketQueued']);
  });
});
