import { BusHandlerRegistry, DEFAULT_GROUP, groupOf, type BusHandler } from './bus-handler.registry';

const handler = (): BusHandler => jest.fn(async () => undefined);

describe('groupOf', () => {
  it('reads the group from the handler extras, "default" when absent', () => {
    expect(groupOf({ group: 'routing' })).toBe('routing');
    expect(groupOf({})).toBe(DEFAULT_GROUP);
    expect(groupOf(undefined)).toBe('default');
  });

  it.each([[''], [' routing'], ['a/b'], [42], ['x'.repeat(101)]])('rejects the group %j', (group) => {
    expect(() => groupOf({ group })).toThrow('Invalid consumer group');
  });
});

describe('BusHandlerRegistry', () => {
  it('keeps handlers apart per group and type, in registration order', () => {
    const registry = new BusHandlerRegistry();
    const [a, b, c, d] = [handler(), handler(), handler(), handler()];
    registry.add('TicketOpened', a, { group: 'routing' });
    registry.add('TicketOpened', b, { group: 'sla' });
    registry.add('TicketOpened', c, { group: 'routing' });
    registry.add('TicketClosed', d, {});
    expect(registry.groups()).toEqual(['default', 'routing', 'sla']);
    expect(registry.eventTypes('routing')).toEqual(['TicketOpened']);
    expect(registry.eventTypes('default')).toEqual(['TicketClosed']);
    expect(registry.handlersFor('routing', 'TicketOpened')).toEqual([a, c]);
    expect(registry.handlersFor('sla', 'TicketOpened')).toEqual([b]);
    expect(registry.handlersFor('sla', 'TicketClosed')).toEqual([]);
    expect(registry.handlersFor('nope', 'TicketOpened')).toEqual([]);
  });
});
