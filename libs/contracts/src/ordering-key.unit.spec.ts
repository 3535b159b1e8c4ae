import { assertDisjointContracts, type ContextContract } from './context-contract';
import { orderingKeyOf, orderingKeysOf, ticketStreamNamesOf } from './ordering-key';

describe('orderingKeyOf', () => {
  it("keys every context's stream of a ticket by the ticket id, so one ticket orders across contexts", () => {
    for (const stream of ['ticket-7', 'routing-7', 'sla-7', 'dispute-7', 'recovery-7']) {
      expect(orderingKeyOf(stream)).toEqual({ entity: 'ticket', id: '7' });
    }
  });

  it('keys an agent stream by the agent id, apart from the ticket with the same id', () => {
    expect(orderingKeyOf('agent-7')).toEqual({ entity: 'agent', id: '7' });
  });

  it('keys the sla-policy singleton by its name, not as the SLA stream of ticket "policy"', () => {
    expect(orderingKeyOf('sla-policy')).toEqual({ entity: 'singleton', id: 'sla-policy' });
    expect(orderingKeyOf('sla-policy-2')).toEqual({ entity: 'ticket', id: 'policy-2' });
  });

  it('keys a stream no contract owns, or a bare prefix, by its own name', () => {
    expect(orderingKeyOf('faq-3')).toEqual({ entity: 'stream', id: 'faq-3' });
    expect(orderingKeyOf('ticket-')).toEqual({ entity: 'stream', id: 'ticket-' });
  });

  it("follows what a new context declares in its contract, not messaging code", () => {
    const keyOf = orderingKeysOf([
      { name: 'knowledge', streamPrefixes: ['article-', 'kb-'], entityStreams: { 'article-': 'article' }, singletonStreams: ['kb-taxonomy'], eventTypes: [] },
    ]);
    expect(keyOf('article-3')).toEqual({ entity: 'article', id: '3' });
    expect(keyOf('kb-taxonomy')).toEqual({ entity: 'singleton', id: 'kb-taxonomy' });
    expect(keyOf('kb-9')).toEqual({ entity: 'ticket', id: '9' });
  });
});

describe('ticketStreamNamesOf', () => {
  it("names every context's streams of a ticket, never an agent's", () => {
    expect(ticketStreamNamesOf('7')).toEqual(['ticket-7', 'routing-7', 'sla-7', 'dispute-7', 'recovery-7']);
    expect(ticketStreamNamesOf('7', ['routing'])).toEqual(['routing-7']);
  });

  it('never names a singleton, whatever the ticket id', () => {
    expect(ticketStreamNamesOf('policy', ['sla'])).toEqual([]);
  });
});

describe('contracts declaring ordering', () => {
  const contract = (overrides: Partial<ContextContract>): ContextContract => ({ name: 'routing', streamPrefixes: ['routing-'], eventTypes: [], ...overrides });

  it('refuse entity streams outside the context\'s own prefixes', () => {
    expect(() => assertDisjointContracts([contract({ entityStreams: { 'agent-': 'agent' } })])).toThrow(
      'entity streams "agent-…" of routing are not among its stream prefixes',
    );
    expect(() => assertDisjointContracts([contract({ entityStreams: { 'routing-': '' } })])).toThrow('entity streams "routing-…" of routing name no entity');
  });

  it('refuse a singleton outside the context\'s own prefixes', () => {
    expect(() => assertDisjointContracts([contract({ singletonStreams: ['sla-policy'] })])).toThrow(
      'singleton stream sla-policy of routing is not within its stream prefixes',
    );
    expect(() => assertDisjointContracts([contract({ singletonStreams: ['routing-'] })])).toThrow('singleton stream routing- of routing');
    expect(() => assertDisjointContracts([contract({ singletonStreams: ['routing-rules'], entityStreams: {} })])).not.toThrow();
  });
});
