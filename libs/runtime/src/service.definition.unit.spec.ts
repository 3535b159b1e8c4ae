import { Module } from '@nestjs/common';
import { defineProjection } from '@ticketing/read-store';
import { defineService } from './service.definition';

@Module({})
class ContextModule {}

const projection = (name: string) =>
  defineProjection({
    name,
    version: 1,
    eventTypes: ['TicketOpened'],
    tables: [`${name.replace(/-/g, '_')}_rows`],
    migrations: { '0001-create': { up: async () => undefined } },
    apply: async () => undefined,
  });

describe('defineService', () => {
  it('keeps a copy: later changes to the arrays it was given do not change the service', () => {
    const modules = [ContextModule];
    const service = defineService({ name: 'routing', modules, projections: [], relayContexts: ['routing'] });
    modules.push(ContextModule);
    expect(service.modules).toEqual([ContextModule]);
    expect(Object.isFrozen(service)).toBe(true);
  });

  it('accepts a service with no context module yet, running nothing of its own', () => {
    expect(defineService({ name: 'sla', modules: [], projections: [], relayContexts: [] }).modules).toEqual([]);
  });

  it.each([
    ['projections', { projections: [projection('sla-board')], relayContexts: [] }],
    ['a relay', { projections: [], relayContexts: ['sla'] }],
    ['a transport', { projections: [], relayContexts: [], transports: [() => ({ name: 'grpc', port: () => 50051 })] }],
  ] as const)('refuses %s without a context module: that service would pretend', (_what, rest) => {
    expect(() => defineService({ name: 'sla', modules: [], ...rest })).toThrow('has no module but lists projections, relay contexts or transports');
  });

  it('refuses a context relayed twice or a projection listed twice', () => {
    expect(() => defineService({ name: 'intake', modules: [ContextModule], projections: [], relayContexts: ['intake', 'intake'] })).toThrow(
      'lists a relay context twice',
    );
    expect(() =>
      defineService({ name: 'intake', modules: [ContextModule], projections: [projection('list'), projection('list')], relayContexts: [] }),
    ).toThrow('lists a projection twice');
  });
});
