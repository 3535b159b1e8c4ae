import { assertDisjointContracts, ERASED_PERSONAL_DATA, isSealedValue, openedFrom } from './context-contract';
import { TICKET_OPENED_SCHEMA_VERSION, upcastTicketOpened, type TicketOpenedV1 } from './intake/intake.events';
import { CONTEXT_CONTRACTS, CONTEXT_NAMES, contextOfEventType, EVENT_TYPES_BY_CONTEXT, PERSONAL_DATA, STAFF_ONLY_EVENT_TYPES, STREAM_PREFIXES, upcastPublicEvent } from './streams';

describe('context contracts', () => {
  it('derive the stream prefixes and event types of every context from one list', () => {
    expect(CONTEXT_NAMES).toEqual(['intake', 'routing', 'sla', 'disputes', 'audit', 'kb']);
    expect(STREAM_PREFIXES.disputes).toEqual(['dispute-', 'recovery-']);
    expect(EVENT_TYPES_BY_CONTEXT.routing).toEqual(expect.arrayContaining(['TicketQueued', 'TicketClassified', 'TicketRecategorized', 'TicketAssignedToAgent', 'AgentProfileSaved']));
    expect(() => assertDisjointContracts(CONTEXT_CONTRACTS)).not.toThrow();
  });

  it('refuse a stream category claimed twice, naming both contexts', () => {
    const claims = [
      { name: 'intake', streamPrefixes: ['ticket-'], eventTypes: [] },
      { name: 'sla', streamPrefixes: ['ticket-clock-'], eventTypes: [] },
    ];
    expect(() => assertDisjointContracts(claims)).toThrow('streams "ticket-clock-…" of sla overlap streams "ticket-…" of intake');
  });

  it('refuse an event type claimed twice and a context defined twice, naming both', () => {
    const claims = [
      { name: 'intake', streamPrefixes: ['ticket-'], eventTypes: ['TicketOpened'] },
      { name: 'routing', streamPrefixes: ['routing-'], eventTypes: ['TicketOpened'] },
      { name: 'routing', streamPrefixes: [], eventTypes: [] },
    ];
    expect(() => assertDisjointContracts(claims)).toThrow(
      'event type TicketOpened is claimed by both intake and routing; context routing is defined twice',
    );
  });
});

describe('public events across contexts', () => {
  const envelope = { id: 'e-1', streamName: 'ticket-t-1', globalPosition: 7, metadata: { correlationId: 'c-1' } };
  const v1 = {
    ...envelope,
    type: 'TicketOpened',
    schemaVersion: 1,
    data: { ticketId: 't-1', customerId: 'c-1', channel: 'email', subject: 's', body: 'b', language: 'ko', openedAt: '2026-11-25T10:00:00.000Z' },
  };

  it('upcast a stored event by the contract of the context publishing its type, keeping the envelope', () => {
    const current = upcastPublicEvent(v1);
    expect(current).toEqual({ ...v1, schemaVersion: TICKET_OPENED_SCHEMA_VERSION, data: upcastTicketOpened(v1 as TicketOpenedV1).data });
    if (current.type !== 'TicketOpened') throw new Error('narrowed by type');
    expect(current.data.subjectDerived).toBe(false);
    expect(current.data.languageGiven).toBe('ko');
  });

  it('hand current events and types no contract declares on unchanged', () => {
    const queued = { ...envelope, streamName: 'routing-t-1', type: 'TicketQueued', schemaVersion: 1, data: { ticketId: 't-1' } };
    expect(upcastPublicEvent(queued)).toBe(queued);
    const foreign = { ...envelope, type: 'SomethingElse', schemaVersion: 1, data: {} };
    expect(upcastPublicEvent(foreign)).toBe(foreign);
  });

  it('collect the staff-only event types every contract declares, and refuse one a context does not publish', () => {
    expect([...STAFF_ONLY_EVENT_TYPES]).toEqual(['InternalNoteAdded', 'SlaPolicyChanged', 'AuditAccessed', 'CustomerDataErased']);
    expect(contextOfEventType('InternalNoteAdded')).toBe('intake');
    expect(contextOfEventType('TicketQueued')).toBe('routing');
    expect(() => assertDisjointContracts([{ name: 'routing', streamPrefixes: [], eventTypes: ['TicketQueued'], staffOnlyEventTypes: ['InternalNoteAdded'] }])).toThrow(
      'context routing declares InternalNoteAdded staff-only but does not publish it',
    );
  });
});

describe('personal data as stored and as opened', () => {
  const sealed = { pd: 1, kid: 'k-1', ct: 'AbC' } as const;

  it('every declared personal field names a type its context publishes, by dot paths', () => {
    expect(PERSONAL_DATA.get('TicketOpened')).toMatchObject({ subject: { field: 'customerId' }, fields: expect.arrayContaining(['body', 'channelDetails.fromAddress']) });
    expect(PERSONAL_DATA.get('AgentReplied')).toMatchObject({ subject: 'ticket' });
    expect(PERSONAL_DATA.has('TicketAssigned')).toBe(false);
    expect(() => assertDisjointContracts([{ name: 'x', streamPrefixes: ['x-'], eventTypes: ['A'], personalData: { B: { subject: 'ticket', fields: ['body'] } } }])).toThrow(/personal data in B/);
    expect(() => assertDisjointContracts([{ name: 'x', streamPrefixes: ['x-'], eventTypes: ['A'], personalData: { A: { subject: 'ticket', fields: ['a..b'] } } }])).toThrow(/dot paths/);
  });

  it('openedFrom: equal except where the stored value is sealed and the opened one is a string', () => {
    expect(openedFrom({ text: 'hello', n: 1 }, { text: sealed, n: 1 })).toEqual({ matches: true, erased: false });
    expect(openedFrom({ text: ERASED_PERSONAL_DATA, n: 1 }, { text: sealed, n: 1 })).toEqual({ matches: true, erased: true });
    expect(openedFrom({ text: 'hello', n: 2 }, { text: sealed, n: 1 })).toEqual({ matches: false, erased: false });
    expect(openedFrom({ text: ERASED_PERSONAL_DATA }, { text: 'plain' })).toEqual({ matches: false, erased: false });
    expect(openedFrom({ text: 42 }, { text: sealed })).toMatchObject({ matches: false });
    expect(openedFrom({ text: 'a', extra: true }, { text: sealed })).toMatchObject({ matches: false });
    expect(openedFrom({ list: ['a', 'b'] }, { list: [sealed, 'b'] })).toEqual({ matches: true, erased: false });
    expect(isSealedValue(sealed)).toBe(true);
    expect(isSealedValue({ pd: 2, kid: 'k', ct: 'c' })).toBe(false);
  });
});
