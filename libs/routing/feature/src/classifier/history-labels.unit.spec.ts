import { ERASED_PERSONAL_DATA } from '@ticketing/contracts';
import { MemoryEventStore } from '@ticketing/event-store';
import { historicalTickets } from './history-labels';

const metadata = (ticketId: string) => ({ ticketId, correlationId: 'c', causationId: 'c', actor: { kind: 'system' as const, id: 'test' }, occurredAt: '2026-12-07T10:00:00.000Z' });

async function ticket(store: MemoryEventStore, ticketId: string, body: string): Promise<void> {
  const opened = { ticketId, customerId: 'cust-1', channel: 'chat', channelDetails: null, subject: body, subjectDerived: true, body, language: 'en', languageGiven: null, detectedLanguage: 'en', languageFallback: false, assetContext: null, linkedFromTicketId: null, openedAt: '2026-12-07T10:00:00.000Z' };
  const classified = { ticketId, channel: 'chat', language: 'en', category: 'withdrawal_issue', priority: 'high', confidence: 0.9, modelVersion: 'm-1', signals: [], classifiedAt: '2026-12-07T10:00:01.000Z' };
  await store.append(`ticket-${ticketId}`, [{ id: `${ticketId}-o`, type: 'TicketOpened', schemaVersion: 3, data: opened, metadata: metadata(ticketId) }], { expectedRevision: 'no_stream' });
  await store.append(`routing-${ticketId}`, [{ id: `${ticketId}-c`, type: 'TicketClassified', schemaVersion: 1, data: classified, metadata: metadata(ticketId) }], { expectedRevision: 'no_stream' });
}

describe('historicalTickets', () => {
  it('leaves out the tickets whose text was erased with their customer’s personal data', async () => {
    const store = new MemoryEventStore();
    await ticket(store, 't-kept', 'my withdrawal is stuck');
    await ticket(store, 't-erased', ERASED_PERSONAL_DATA);
    expect((await historicalTickets(store)).map((entry) => [entry.ticketId, entry.text])).toEqual([['t-kept', 'my withdrawal is stuck']]);
  });
});
