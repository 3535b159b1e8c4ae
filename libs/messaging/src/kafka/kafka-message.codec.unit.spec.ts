import { ManualClock } from '@ticketing/kernel';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { INTAKE_EVENT_TYPES, ROUTING_EVENT_TYPES } from '@ticketing/contracts';
import { appendOne, newEvent } from '../embedded/embedded-bus.fixtures';
import { decodeDeadLetterEntry, encodeMarker, encodeParked } from './kafka-dead-letter.codec';
import { copyHeaders, decodeEvent, encodeEvent, EVENT_HEADERS, PoisonMessageError, readHeader } from './kafka-message.codec';
import { eventContextsOf, KafkaTopology } from './kafka-topology';

describe('Kafka message codec', () => {
  let event: RecordedEvent;

  beforeEach(async () => {
    event = await appendOne(new MemoryEventStore({ clock: new ManualClock() }), 'ticket-7', 'TicketOpened');
  });

  it('keys an event by ticket id, with the event headers, and decodes the value back to the recorded event', () => {
    const message = encodeEvent(event);
    expect(message.key).toBe('7');
    expect(event.metadata.ticketId).toBe('7');
    expect(message.headers).toEqual({
      'event-type': 'TicketOpened',
      'event-id': event.id,
      'correlation-id': event.metadata.correlationId,
      'causation-id': event.metadata.causationId,
      'schema-version': '1',
      'global-position': String(event.globalPosition),
      'stream-name': 'ticket-7',
      'content-type': 'application/json',
    });
    expect(decodeEvent(Buffer.from(String(message.value)), 'TicketOpened')).toEqual(event);
  });

  it.each([
    ['routing-7', '7'],
    ['sla-7', '7'],
    ['dispute-7', '7'],
    ['agent-42', '42'],
    ['sla-policy', 'sla-policy'],
  ])('keys an event of %s by its entity id %s, not by any ticket id in its metadata', async (stream, key) => {
    const store = new MemoryEventStore({ clock: new ManualClock() });
    const recorded = await appendOne(store, stream, 'Happened');
    expect(encodeEvent(recorded).key).toBe(key);
    // A ticket id carried in the metadata (an agent's event about a ticket) does not move it.
    const { lastGlobalPosition } = await store.append(stream, [newEvent('Happened', 'ticket-elsewhere')], { expectedRevision: 'any' });
    for await (const aboutTicket of store.readAll({ fromPosition: lastGlobalPosition - 1 })) expect(encodeEvent(aboutTicket).key).toBe(key);
  });

  it('decodes an event of no ticket, and refuses a ticket id that is not a string', async () => {
    const agentEvent = await appendOne(new MemoryEventStore({ clock: new ManualClock() }), 'agent-42', 'AgentJoined');
    expect(agentEvent.metadata).not.toHaveProperty('ticketId');
    expect(decodeEvent(JSON.stringify(agentEvent), 'AgentJoined')).toEqual(agentEvent);
    const bad = { ...agentEvent, metadata: { ...agentEvent.metadata, ticketId: 42 } };
    expect(() => decodeEvent(JSON.stringify(bad), 'AgentJoined')).toThrow('metadata.ticketId must be a string when present');
  });

  it('reads headers as kafkajs delivers them: Buffers, repeated values', () => {
    const headers = { a: Buffer.from('x'), b: [Buffer.from('1'), Buffer.from('2')], c: undefined };
    expect(readHeader(headers, 'a')).toBe('x');
    expect(readHeader(headers, 'b')).toBe('2');
    expect(readHeader(headers, 'c')).toBeUndefined();
    expect(readHeader(undefined, 'a')).toBeUndefined();
    expect(copyHeaders(headers)).toEqual({ a: 'x', b: '2' });
  });

  it.each([
    ['no value', null, /has no value/],
    ['not JSON', '{', /not JSON/],
    ['not an object', '[1]', /not a JSON object/],
    ['not a recorded event', '{"id":1}', /id must be a string.*globalPosition must be an integer.*metadata must be an object/],
  ])('rejects a value that is %s as poison', (_label, value, message) => {
    expect(() => decodeEvent(value, undefined)).toThrow(PoisonMessageError);
    expect(() => decodeEvent(value, undefined)).toThrow(message);
  });

  it('rejects an event-type header that contradicts the value', () => {
    expect(() => decodeEvent(JSON.stringify(event), 'TicketClosed')).toThrow(/contradicts the event's type TicketOpened/);
  });

  it('round-trips dead-letter copies and markers through their headers', () => {
    const source = { topic: 'ticketing.intake.events', partition: 1, message: { ...encodeEvent(event), key: Buffer.from('ticket-7'), value: Buffer.from(JSON.stringify(event)), offset: '12', headers: { [EVENT_HEADERS.eventType]: Buffer.from('TicketOpened'), [EVENT_HEADERS.eventId]: Buffer.from(event.id), [EVENT_HEADERS.globalPosition]: Buffer.from(String(event.globalPosition)), [EVENT_HEADERS.streamName]: Buffer.from('ticket-7') } } };
    const parked = encodeParked({
      id: 'dl-1',
      group: 'routing',
      attempts: 5,
      error: { name: 'Error', message: 'boom', stack: `Error: boom\n${'    at frame\n'.repeat(1_000)}` },
      at: new Date('2026-07-01T00:00:00.000Z'),
      source,
    });
    const logged = (message: typeof parked) => ({ topic: 'dlq', partition: 0, offset: '0', key: message.key ?? null, value: message.value, headers: message.headers });
    const entry = decodeDeadLetterEntry(logged(parked));
    expect(entry).toMatchObject({
      kind: 'parked',
      record: {
        id: 'dl-1',
        group: 'routing',
        position: event.globalPosition,
        eventId: event.id,
        eventType: 'TicketOpened',
        streamName: 'ticket-7',
        attempts: 5,
        error: { name: 'Error', message: 'boom' },
        parkedAt: '2026-07-01T00:00:00.000Z',
        replayedAt: null,
      },
    });
    expect(entry?.kind === 'parked' && entry.record.error.stack?.length).toBe(4_000);
    expect(readHeader(parked.headers, 'original-offset')).toBe('12');
    expect(readHeader(parked.headers, 'original-partition')).toBe('1');

    const record = entry?.kind === 'parked' ? entry.record : undefined;
    const replayed = encodeMarker({ kind: 'replayed', record: record!, key: parked.key ?? null, at: new Date('2026-07-02T00:00:00.000Z') });
    expect(replayed.value).toBeNull();
    expect(decodeDeadLetterEntry(logged(replayed))).toEqual({ kind: 'replayed', id: 'dl-1', group: 'routing', at: '2026-07-02T00:00:00.000Z' });
    const failed = encodeMarker({
      kind: 'replay-failed',
      record: record!,
      key: parked.key ?? null,
      at: new Date('2026-07-03T00:00:00.000Z'),
      attempts: 6,
      error: { name: 'TypeError', message: 'still', stack: null },
    });
    expect(decodeDeadLetterEntry(logged(failed))).toEqual({
      kind: 'replay-failed',
      id: 'dl-1',
      group: 'routing',
      at: '2026-07-03T00:00:00.000Z',
      attempts: 6,
      error: { name: 'TypeError', message: 'still', stack: null },
    });
    expect(decodeDeadLetterEntry({ ...logged(parked), headers: {} })).toBeUndefined();
  });
});

describe('KafkaTopology', () => {
  it('maps the contracts\' event types to their context topics, and refuses a type claimed twice', () => {
    const contexts = eventContextsOf({ intake: INTAKE_EVENT_TYPES, routing: ROUTING_EVENT_TYPES });
    expect(contexts['TicketOpened']).toBe('intake');
    expect(contexts['TicketQueued']).toBe('routing');
    const topology = new KafkaTopology({ eventContexts: contexts });
    expect(topology.topicsForEventTypes('g', ['TicketOpened', 'TicketClosed', 'TicketQueued'])).toEqual([
      'ticketing.intake.events',
      'ticketing.routing.events',
    ]);
    expect(() => topology.topicsForEventTypes('g', ['Nope', 'Neither'])).toThrow(/handles Nope, Neither, but no context is known for them/);
    expect(() => eventContextsOf({ intake: ['X'], routing: ['X'] })).toThrow(/claimed by both intake and routing/);
    expect(topology.topicOfStream('dispute-1')).toBe('ticketing.disputes.events');
    expect(topology.topicOfStream('agent-1')).toBe('ticketing.routing.events');
    expect(topology.topicOfStream('article-1')).toBe('ticketing.kb.events');
    expect(topology.topicOfStream('scratch-1')).toBeUndefined();
    expect(topology.deadLetterTopics()).toEqual([
      'ticketing.intake.events.dlq',
      'ticketing.routing.events.dlq',
      'ticketing.sla.events.dlq',
      'ticketing.disputes.events.dlq',
      'ticketing.audit.events.dlq',
      'ticketing.kb.events.dlq',
    ]);
    expect(topology.topicOfStream('audit-access-auditor.a-1.2026-12-07')).toBe('ticketing.audit.events');
  });
});
