import { PassThrough } from 'node:stream';
import { ManualClock, newId } from '@ticketing/kernel';
import { MemoryEventStore, type NewEvent, type RecordedEvent } from '@ticketing/event-store';
import { HEARTBEAT_MS, pumpEvents, sseMessage, SSE_HEARTBEAT } from './event-stream.pump';

const event = (type: string, ticketId: string): NewEvent => ({
  id: newId(),
  type,
  schemaVersion: 1,
  data: { ticketId, body: 'line one\nline two' },
  metadata: { ticketId, correlationId: 'c-1', causationId: 'c-1', actor: { kind: 'agent', id: 'a-1' }, occurredAt: '2026-01-01T00:00:00.000Z' },
});

/** Lets the pump's awaits run (the memory store and the sink are in-process). */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
}

describe('pumpEvents', () => {
  let store: MemoryEventStore;
  let clock: ManualClock;
  let sink: PassThrough;
  let written: string;
  let stop: AbortController;

  beforeEach(() => {
    clock = new ManualClock();
    store = new MemoryEventStore({ clock });
    sink = new PassThrough();
    written = '';
    sink.on('data', (chunk: Buffer) => (written += chunk.toString()));
    stop = new AbortController();
  });

  const pump = (accept: (recorded: RecordedEvent) => boolean = () => true, fromPosition = 0) =>
    pumpEvents({ eventStore: store, clock, fromPosition, filter: {}, accept, sink, signal: stop.signal });

  it('writes the accepted events after fromPosition as one-line SSE messages with the global position as id, historic then live', async () => {
    await store.append('ticket-1', [event('TicketOpened', '1'), event('InternalNoteAdded', '1')], { expectedRevision: 'no_stream' });
    const done = pump((recorded) => recorded.type !== 'InternalNoteAdded', 0);
    await settle();
    await store.append('ticket-1', [event('AgentReplied', '1')], { expectedRevision: 1 });
    await settle();
    stop.abort();
    await done;
    const messages = written.split('\n\n').filter(Boolean);
    expect(messages.map((message) => message.split('\n').slice(0, 2).join(' '))).toEqual(['id: 1 event: TicketOpened', 'id: 3 event: AgentReplied']);
    expect(messages[0].split('\n')).toHaveLength(3);
    expect(JSON.parse(messages[0].split('\n')[2].slice('data: '.length))).toMatchObject({ type: 'TicketOpened', data: { body: 'line one\nline two' } });
  });

  it('starts strictly after fromPosition', async () => {
    await store.append('ticket-1', [event('TicketOpened', '1'), event('AgentReplied', '1')], { expectedRevision: 'no_stream' });
    const done = pump(() => true, 1);
    await settle();
    stop.abort();
    await done;
    expect(written).toMatch(/^id: 2\nevent: AgentReplied\n/);
    expect(written.match(/^id: /gm)).toHaveLength(1);
  });

  it('sends a heartbeat comment only after HEARTBEAT_MS without anything to send', async () => {
    const done = pump();
    await settle();
    clock.advance(HEARTBEAT_MS - 1);
    await settle();
    expect(written).toBe('');
    await store.append('ticket-1', [event('TicketOpened', '1')], { expectedRevision: 'no_stream' });
    await settle();
    // The event restarted the quiet period.
    clock.advance(HEARTBEAT_MS - 1);
    await settle();
    expect(written).not.toContain(SSE_HEARTBEAT);
    clock.advance(1);
    await settle();
    expect(written.endsWith(SSE_HEARTBEAT)).toBe(true);
    stop.abort();
    await done;
  });

  it('closes the subscription and leaves no timer behind when the client goes away', async () => {
    const subscribe = jest.spyOn(store, 'subscribe');
    const done = pump();
    await settle();
    const close = jest.spyOn(subscribe.mock.results[0].value, 'close');
    stop.abort();
    await done;
    expect(close).toHaveBeenCalled();
    expect(clock.pendingSleeps).toBe(0);
  });

  it('formats the message exactly', async () => {
    await store.append('ticket-9', [event('TicketOpened', '9')], { expectedRevision: 'no_stream' });
    for await (const recorded of store.readAll()) {
      expect(sseMessage(recorded)).toMatch(/^id: 1\nevent: TicketOpened\ndata: \{[^\n]*\}\n\n$/);
    }
  });

  it('writes each event in its current shape, as consumers get it', async () => {
    const v1 = { ticketId: '1', customerId: 'c-1', channel: 'chat', subject: 's', body: 'b', language: 'ko', openedAt: '2026-01-01T00:00:00.000Z' };
    await store.append('ticket-1', [{ ...event('TicketOpened', '1'), data: v1 }], { expectedRevision: 'no_stream' });
    await store.append('ticket-2', [event('AgentReplied', '2')], { expectedRevision: 'no_stream' });
    const done = pump();
    await settle();
    stop.abort();
    await done;
    const data = written.split('\n\n').filter(Boolean).map((message) => JSON.parse(message.split('\n')[2].slice('data: '.length)) as { type: string; schemaVersion: number; data: unknown });
    expect(data.map(({ type, schemaVersion }) => [type, schemaVersion])).toEqual([['TicketOpened', 3], ['AgentReplied', 1]]);
    expect(data[0].data).toMatchObject({ ...v1, languageGiven: 'ko', channelDetails: null, subjectDerived: false });
  });
});
