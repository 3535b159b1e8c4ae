import { Module } from '@nestjs/common';
import { INTAKE_CONTRACT, ROUTING_CONTRACT } from '@ticketing/contracts';
import { defineProjection } from '@ticketing/read-store';
import { assertComposable, defineContext, projectionsRunBy } from './context.definition';
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

const grpc = () => ({ name: 'grpc', port: () => 50051 });

describe('defineContext', () => {
  it('takes its name from its contract and keeps frozen copies of its lists', () => {
    const projections = [projection('ticket-list')];
    const context = defineContext({ contract: INTAKE_CONTRACT, module: ContextModule, projections, serves: 'api', transports: [grpc] });
    projections.push(projection('other'));
    expect(context.name).toBe('intake');
    expect(context.projections.map((p) => p.name)).toEqual(['ticket-list']);
    expect(Object.isFrozen(context)).toBe(true);
  });

  it('refuses a projection listed twice, and transports on a bus-only context', () => {
    expect(() =>
      defineContext({ contract: INTAKE_CONTRACT, module: ContextModule, projections: [projection('list'), projection('list')], serves: 'api' }),
    ).toThrow('Context intake lists a projection twice');
    expect(() => defineContext({ contract: ROUTING_CONTRACT, module: ContextModule, serves: 'bus', transports: [grpc] })).toThrow(
      'serves only the bus but lists transports',
    );
  });
});

describe('projectionsRunBy', () => {
  const names = (projections: readonly { name: string }[]) => projections.map((p) => p.name);
  const api = defineContext({ contract: INTAKE_CONTRACT, module: ContextModule, projections: [projection('list')], eventualProjections: [projection('board')], serves: 'api' });
  const bus = defineContext({ contract: ROUTING_CONTRACT, module: ContextModule, projections: [projection('routed')], serves: 'bus' });

  it('runs what an api context reads after its writes beside its API, the eventual rest on the consumer thread, each in one place', () => {
    expect(names(api.projections)).toEqual(['list', 'board']);
    expect(names(projectionsRunBy(api, 'beside-consumer-thread'))).toEqual(['list']);
    expect(names(projectionsRunBy(api, 'consumer-thread'))).toEqual(['board']);
    expect(names(projectionsRunBy(api, 'all'))).toEqual(['list', 'board']);
  });

  it('runs all of a bus-only context on the consumer thread', () => {
    expect(names(projectionsRunBy(bus, 'consumer-thread'))).toEqual(['routed']);
    expect(projectionsRunBy(bus, 'beside-consumer-thread')).toEqual([]);
  });

  it('refuses a projection listed both as awaited and eventual', () => {
    expect(() =>
      defineContext({ contract: INTAKE_CONTRACT, module: ContextModule, projections: [projection('list')], eventualProjections: [projection('list')], serves: 'api' }),
    ).toThrow('Context intake lists a projection twice');
  });
});

describe('assertComposable', () => {
  const intake = defineContext({ contract: INTAKE_CONTRACT, module: ContextModule, projections: [projection('list')], serves: 'api' });

  it('refuses a context listed twice and a projection two contexts define, naming both', () => {
    const routing = defineContext({ contract: ROUTING_CONTRACT, module: ContextModule, projections: [projection('list')], serves: 'bus' });
    expect(() => assertComposable([intake, intake])).toThrow('context intake is listed twice');
    expect(() => assertComposable([intake, routing])).toThrow('projection list is defined by both intake and routing');
  });

  it('refuses a contract that is not the one in libs/contracts: its streams and events would claim another context’s', () => {
    const impostor = defineContext({
      contract: { name: 'sla', streamPrefixes: ['ticket-'], eventTypes: ['TicketOpened'] },
      module: ContextModule,
      serves: 'bus',
    });
    expect(() => assertComposable([intake, impostor])).toThrow('context sla does not use its contract from libs/contracts');
  });

  it('is what defineService checks, and an empty service is allowed', () => {
    expect(() => defineService({ name: 'intake', contexts: [intake, intake] })).toThrow('listed twice');
    expect(defineService({ name: 'sla', contexts: [] }).contexts).toEqual([]);
  });
});
