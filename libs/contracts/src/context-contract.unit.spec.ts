import { assertDisjointContracts } from './context-contract';
import { CONTEXT_CONTRACTS, CONTEXT_NAMES, EVENT_TYPES_BY_CONTEXT, STREAM_PREFIXES } from './streams';

describe('context contracts', () => {
  it('derive the stream prefixes and event types of every context from one list', () => {
    expect(CONTEXT_NAMES).toEqual(['intake', 'routing', 'sla', 'disputes', 'audit']);
    expect(STREAM_PREFIXES.disputes).toEqual(['dispute-', 'recovery-']);
    expect(EVENT_TYPES_BY_CONTEXT.routing).toEqual(['TicketQueued']);
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
