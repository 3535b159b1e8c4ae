import { contextOfStream, streams, topicOf } from './streams';

describe('streams', () => {
  it('names each context stream after the ticket and maps it back to its owner', () => {
    expect(streams.ticket('t-1')).toBe('ticket-t-1');
    expect(contextOfStream(streams.ticket('t-1'))).toBe('intake');
    expect(contextOfStream(streams.routing('t-1'))).toBe('routing');
    expect(contextOfStream('recovery-9')).toBe('disputes');
    expect(contextOfStream('agent-1')).toBe('routing');
    expect(contextOfStream('sla-policy')).toBe('sla');
    expect(contextOfStream('article-1')).toBe('kb');
    expect(contextOfStream('faq-1')).toBeUndefined();
  });

  it('names a topic per context', () => {
    expect(topicOf('routing')).toBe('ticketing.routing.events');
  });
});
