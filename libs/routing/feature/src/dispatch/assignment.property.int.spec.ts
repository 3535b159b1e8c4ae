import fc from 'fast-check';
import {
  routingStreams,
  type AgentEvent,
  type AgentProfile,
  type Channel,
  type Category,
  type Priority,
  type RoutingTicketEvent,
  type TicketReleasedFromAgent,
  type TicketReopened,
  type TicketResolved,
} from '@ticketing/contracts';
import { MemoryEventStore, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import { DomainError, ManualClock, systemActor, type Actor, type Event } from '@ticketing/kernel';
import type { BusEvent } from '@ticketing/messaging';
import { agentDecider, capacityOf, DEFAULT_ROUTING_RULES, routingDecider, type AgentState, type RoutingState } from '@ticketing/routing-domain';
import { AgentCommandsService } from '../agents/agent-commands.service';
import { AssignmentService } from './assignment.service';
import { DispatchConsumer } from './dispatch.consumer';

/*
 * Capacity is never exceeded and a ticket is never held by two agents, whatever order concurrent
 * commands reach the event store in: the scheduler of fast-check decides the order of every read
 * and append of every operation, so a run is one interleaving of them all.
 */

const RULES = DEFAULT_ROUTING_RULES;
const CAPACITY_DEFAULTS = RULES.dispatch.capacityDefaults;
const START = '2026-11-25T10:00:00.000Z';

const profile = (capacity: AgentProfile['capacity'], clearances: AgentProfile['clearances']): AgentProfile => ({
  displayName: 'Agent',
  languages: ['en'],
  skills: ['trading_issue', 'account_access', 'security_incident'],
  clearances,
  capacity,
  timeZone: null,
  shifts: [],
});

const AGENTS: Readonly<Record<string, AgentProfile>> = {
  'a-1': profile({ chat: 1, email: 1 }, []),
  'a-2': profile({ chat: 2, email: 1 }, ['supervisor']),
  'a-3': profile({ chat: 1, email: 2 }, ['security']),
};
const AGENT_IDS = Object.keys(AGENTS);

type TicketSetup = Readonly<{ ticketId: string; channel: Channel; category: Category; priority: Priority; queue: string }>;
const TICKETS: readonly TicketSetup[] = [
  { ticketId: 't-1', channel: 'chat', category: 'trading_issue', priority: 'normal', queue: 'trading-en' },
  { ticketId: 't-2', channel: 'chat', category: 'account_access', priority: 'high', queue: 'account-en' },
  { ticketId: 't-3', channel: 'email', category: 'trading_issue', priority: 'normal', queue: 'trading-en' },
  { ticketId: 't-4', channel: 'chat', category: 'security_incident', priority: 'emergency', queue: 'security-emergency' },
  { ticketId: 't-5', channel: 'email', category: 'account_access', priority: 'high', queue: 'account-en' },
];
const TICKET_IDS = TICKETS.map((ticket) => ticket.ticketId);
const QUEUES = ['trading-en', 'account-en', 'supervisor', 'triage'];

const dispatcher = systemActor('routing-dispatch');
const supervisor: Actor = { kind: 'supervisor', id: 'sup-1' };
const agentActor = (agentId: string): Actor => ({ kind: 'agent', id: agentId });

/** The event store as concurrent processes see it: every read and every append waits for the scheduler. */
function interleaved(store: MemoryEventStore, s: fc.Scheduler): EventStore {
  return {
    async append(streamName, events, options) {
      await s.schedule(Promise.resolve(), `append ${streamName} ${events.map((event) => event.type).join('+')}`);
      return store.append(streamName, events, options);
    },
    readStream(streamName, options) {
      return {
        async *[Symbol.asyncIterator]() {
          await s.schedule(Promise.resolve(), `read ${streamName}`);
          const events: RecordedEvent[] = [];
          for await (const event of store.readStream(streamName, options)) events.push(event);
          yield* events;
        },
      };
    },
    readAll: (options) => store.readAll(options),
    subscribe: (options) => store.subscribe(options),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** An event as the bus hands it to a consumer (intake's events, which this test does not append). */
const delivered = <E extends Event>(id: string, type: E['type'], data: E['data']): BusEvent<E> =>
  ({
    id,
    type,
    schemaVersion: 1,
    data,
    metadata: { correlationId: `corr-${id}`, causationId: `corr-${id}`, actor: dispatcher, occurredAt: START },
    streamName: `ticket-${(data as { ticketId: string }).ticketId}`,
    streamRevision: 0,
    globalPosition: 0,
    recordedAt: START,
    prevHash: '',
    hash: '',
  }) as unknown as BusEvent<E>;

type Operation =
  | Readonly<{ kind: 'assign'; ticketId: string; agentId: string; requireOnline: boolean }>
  | Readonly<{ kind: 'claim'; ticketId: string; agentId: string }>
  | Readonly<{ kind: 'release'; ticketId: string; agentId: string }>
  | Readonly<{ kind: 'transferToQueue'; ticketId: string; queue: string }>
  | Readonly<{ kind: 'transferToAgent'; ticketId: string; agentId: string }>
  | Readonly<{ kind: 'escalate'; ticketId: string; cause: 'sla_breached' | 'sla_warning' | 'manual'; slaEvent: number }>
  | Readonly<{ kind: 'finish'; ticketId: string; delivery: number }>
  | Readonly<{ kind: 'reopen'; ticketId: string; delivery: number }>
  | Readonly<{ kind: 'freeCapacity'; release: number }>
  | Readonly<{ kind: 'availability'; agentId: string; to: 'online' | 'away' | 'offline' }>
  | Readonly<{ kind: 'releaseFromUnavailable'; agentId: string }>;

const ticketId = fc.constantFrom(...TICKET_IDS);
const agentId = fc.constantFrom(...AGENT_IDS);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('assign' as const), ticketId, agentId, requireOnline: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), ticketId, agentId }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), ticketId, agentId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transferToQueue' as const), ticketId, queue: fc.constantFrom(...QUEUES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transferToAgent' as const), ticketId, agentId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('escalate' as const), ticketId, cause: fc.constantFrom('sla_breached' as const, 'sla_warning' as const, 'manual' as const), slaEvent: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('finish' as const), ticketId, delivery: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), ticketId, delivery: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('freeCapacity' as const), release: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('availability' as const), agentId, to: fc.constantFrom('online' as const, 'away' as const, 'offline' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('releaseFromUnavailable' as const), agentId }) },
);
/** Tickets some agents hold before the run (assigned one after another, so within capacity). */
const scenario = fc.record({
  preassigned: fc.array(fc.tuple(ticketId, agentId), { maxLength: 3 }),
  operations: fc.array(operation, { minLength: 2, maxLength: 12 }),
});

const label = (op: Operation): string => Object.values(op).join(' ');

async function releasesIn(store: MemoryEventStore): Promise<BusEvent<TicketReleasedFromAgent>[]> {
  const releases: BusEvent<TicketReleasedFromAgent>[] = [];
  for await (const event of store.readAll({ filter: { eventTypes: ['TicketReleasedFromAgent'] } })) releases.push(event as unknown as BusEvent<TicketReleasedFromAgent>);
  return releases;
}

/** Everything the run appended, in the order of the log: the only truth the checks use. */
async function history(store: MemoryEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

const channelOf = (ticket: string): Channel => TICKETS.find((setup) => setup.ticketId === ticket)!.channel;
const describeEvent = (event: RecordedEvent): string => `#${event.globalPosition} ${event.streamName} ${event.type} ${JSON.stringify(event.data)}`;

/**
 * Folds the whole log event by event and checks, after each one:
 * (a) on every agent's stream, the reservations per channel stay within the agent's capacity;
 * (b) on every ticket's stream, an assignment finds the ticket free and a release names its holder.
 * Returns the problems found.
 */
function violations(log: readonly RecordedEvent[]): string[] {
  const agents = new Map<string, AgentState>();
  const tickets = new Map<string, RoutingState>();
  const problems: string[] = [];
  for (const event of log) {
    if (event.streamName.startsWith('agent-')) {
      const id = event.streamName.slice('agent-'.length);
      const state = agentDecider.evolve(agents.get(id) ?? agentDecider.initialState(), event as unknown as AgentEvent);
      agents.set(id, state);
      if (state.profile === null) continue;
      for (const channel of new Set(Object.values(state.held))) {
        const load = Object.values(state.held).filter((held) => held === channel).length;
        const capacity = capacityOf(state.profile, channel, CAPACITY_DEFAULTS);
        if (load > capacity) problems.push(`(a) agent ${id} reserved ${load} ${channel} tickets, its capacity is ${capacity}, at ${describeEvent(event)}`);
      }
    } else if (event.streamName.startsWith('routing-')) {
      const id = event.streamName.slice('routing-'.length);
      const before = tickets.get(id) ?? routingDecider.initialState();
      const holder = before.status === 'unrouted' ? null : before.holder;
      if (event.type === 'TicketAssignedToAgent' && holder !== null) problems.push(`(b) ticket ${id} assigned to ${String(event.data['agentId'])} while held by ${holder}, at ${describeEvent(event)}`);
      if (event.type === 'TicketReleasedFromAgent' && holder !== event.data['agentId']) problems.push(`(b) ticket ${id} released from ${String(event.data['agentId'])} while held by ${holder}, at ${describeEvent(event)}`);
      tickets.set(id, routingDecider.evolve(before, event as unknown as RoutingTicketEvent));
    }
  }
  return problems;
}

/** What the two sides say at the end: the reservations of each agent and the tickets whose routing holder it is. */
function sides(log: readonly RecordedEvent[]): { reserved: Map<string, string[]>; holding: Map<string, string[]> } {
  const reserved = new Map<string, string[]>(AGENT_IDS.map((id) => [id, []]));
  const holding = new Map<string, string[]>(AGENT_IDS.map((id) => [id, []]));
  for (const id of AGENT_IDS) {
    const events = log.filter((event) => event.streamName === routingStreams.agent(id)) as unknown as AgentEvent[];
    reserved.set(id, Object.keys(events.reduce(agentDecider.evolve, agentDecider.initialState()).held).sort());
  }
  for (const id of TICKET_IDS) {
    const events = log.filter((event) => event.streamName === routingStreams.ticket(id)) as unknown as RoutingTicketEvent[];
    const state = events.reduce(routingDecider.evolve, routingDecider.initialState());
    if (state.status !== 'unrouted' && state.holder !== null) holding.get(state.holder)!.push(id);
  }
  return { reserved, holding };
}

const freshSeeds = process.env['FRESH_SEEDS'] !== undefined && process.env['FRESH_SEEDS'] !== '';
const seed = freshSeeds ? Date.now() % 0x7fffffff : 20261207;
if (freshSeeds) console.log(`assignment property seed: ${seed} (put it in place of the fixed seed to replay a failure)`);

describe('assignments under concurrency (agent-<id> and routing-<id> streams)', () => {
  it('never exceed an agent’s capacity nor give a ticket two holders, in any interleaving of concurrent commands and redeliveries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenario, async (s, { preassigned, operations }) => {
        const clock = new ManualClock(START);
        const store = new MemoryEventStore({ clock });
        const services = (eventStore: EventStore) => {
          const agents = new AgentCommandsService(eventStore, clock);
          const assignments = new AssignmentService(eventStore, RULES, agents);
          return { agents, assignments, consumer: new DispatchConsumer(assignments) };
        };
        try {
          // Set up one step after another: agents online, tickets classified and queued, some held.
          const setup = services(store);
          for (const [id, agentProfile] of Object.entries(AGENTS)) {
            await setup.agents.saveProfile(id, agentProfile, supervisor);
            await setup.agents.setAvailability(id, 'online', agentActor(id));
          }
          for (const { ticketId: id, channel, category, priority, queue } of TICKETS) {
            const metadata = { ticketId: id, correlationId: `corr-${id}`, causationId: `corr-${id}`, actor: dispatcher, occurredAt: START };
            await store.append(
              routingStreams.ticket(id),
              [
                {
                  id: `classified-${id}`,
                  type: 'TicketClassified',
                  schemaVersion: 1,
                  data: { ticketId: id, channel, language: 'en', category, priority, confidence: 0.9, modelVersion: 'base-1', signals: [], classifiedAt: START },
                  metadata,
                },
                { id: `queued-${id}`, type: 'TicketQueued', schemaVersion: 1, data: { ticketId: id, queue, rule: 'category-by-language', queuedAt: START }, metadata },
              ],
              { expectedRevision: 'no_stream' },
            );
          }
          for (const [id, agent] of preassigned) {
            await setup.assignments.assign(id, agent, { rule: 'manual', reason: 'before the run', actor: supervisor, requireOnline: false }).catch((error: unknown) => {
              if (!(error instanceof DomainError)) throw error;
            });
          }

          // The run: every operation at once, each read and append when the scheduler says.
          const { agents, assignments, consumer } = services(interleaved(store, s));
          const perform = async (op: Operation): Promise<void> => {
            clock.advance(1000);
            switch (op.kind) {
              case 'assign':
                await assignments.assign(op.ticketId, op.agentId, { rule: op.requireOnline ? 'auto' : 'manual', reason: 'property', actor: op.requireOnline ? dispatcher : supervisor, requireOnline: op.requireOnline });
                return;
              case 'claim':
                await assignments.claim(op.ticketId, agentActor(op.agentId));
                return;
              case 'release':
                await assignments.release(op.ticketId, op.agentId, 'released', agentActor(op.agentId));
                return;
              case 'transferToQueue':
                await assignments.transfer(op.ticketId, { toQueue: op.queue, toAgentId: null }, 'property', supervisor);
                return;
              case 'transferToAgent':
                await assignments.transfer(op.ticketId, { toQueue: null, toAgentId: op.agentId }, 'property', supervisor);
                return;
              case 'escalate': {
                // As the dispatch consumer does for an SLA event (its id seeds the events: a redelivery appends nothing new).
                const eventId = op.cause === 'manual' ? null : `sla-${op.ticketId}-${op.slaEvent}`;
                const cause = eventId === null ? undefined : { correlationId: `corr-${eventId}`, causationId: eventId, eventIdSeed: eventId };
                await assignments.escalate(op.ticketId, { kind: op.cause, eventId, reason: 'property' }, op.cause === 'manual' ? supervisor : dispatcher, cause);
                return;
              }
              case 'finish':
                await consumer.finish(
                  delivered<TicketResolved>(`resolved-${op.ticketId}-${op.delivery}`, 'TicketResolved', { ticketId: op.ticketId, resolutionCode: 'answered', by: 'a-1', resolvedAt: clock.now().toISOString(), autoCloseAt: clock.now().toISOString() }),
                );
                return;
              case 'reopen':
                await consumer.reopen(delivered<TicketReopened>(`reopened-${op.ticketId}-${op.delivery}`, 'TicketReopened', { ticketId: op.ticketId, reason: 'customer_reply', by: 'c-1', reopenedAt: clock.now().toISOString() }));
                return;
              case 'freeCapacity': {
                // The dispatch consumer gets a release (at least once): here one the log holds now, delivered twice at once.
                const releases = await releasesIn(store);
                if (releases.length === 0) return;
                const release = releases[op.release % releases.length]!;
                const outcomes = await Promise.allSettled([consumer.freeCapacity(release), consumer.freeCapacity(release)]);
                const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
                if (failed !== undefined) throw failed.reason;
                return;
              }
              case 'availability':
                await agents.setAvailability(op.agentId, op.to, agentActor(op.agentId));
                return;
              case 'releaseFromUnavailable': {
                // The dispatcher hands back what an agent away or offline (past its grace period) holds.
                const agent = await agents.state(op.agentId);
                if (agent.availability === 'online' && !agent.retired) return;
                for (const held of Object.keys(agent.held)) {
                  await assignments.release(held, op.agentId, 'agent_unavailable', dispatcher).catch((error: unknown) => {
                    if (!(error instanceof DomainError)) throw error;
                  });
                }
                return;
              }
            }
          };
          const outcomes = operations.map((op) =>
            s
              .schedule(Promise.resolve(), label(op))
              .then(() => perform(op))
              .then(
                () => null,
                (error: unknown) => error,
              ),
          );
          // Release scheduled reads and appends until every operation is over (also those a read of the whole log starts a tick late).
          const settled = await s.waitFor(Promise.all(outcomes));
          // A refused command (409, 403, 404, a lost race) is an answer; anything else is a failure.
          const unexpected = settled.filter((error) => error !== null && !(error instanceof DomainError));
          expect(unexpected).toEqual([]);

          // (a) and (b), at every revision of every stream.
          const afterRun = await history(store);
          expect(violations(afterRun)).toEqual([]);
          // Once every operation is over, each ticket held on its routing stream is reserved on its holder's stream:
          // the tickets agents actually hold are within their capacity too. (Not at every revision: a drop racing an
          // assignment that reuses the dropped reservation leaves a moment where it is not; the assigner's or the
          // dropper's check after its write reserves it again, or hands the ticket back when the agent filled up.)
          const run = sides(afterRun);
          for (const [id, tickets] of run.holding) expect({ agent: id, unreserved: tickets.filter((held) => !run.reserved.get(id)!.includes(held)) }).toEqual({ agent: id, unreserved: [] });

          // (c) Drain: every release reaches the dispatch consumer (again), as at-least-once delivery may; then the two sides agree:
          // nothing reserved for a ticket its agent does not hold (no capacity leaks), nothing held unreserved.
          for (const release of await releasesIn(store)) await setup.consumer.freeCapacity(release);
          const drained = await history(store);
          expect(violations(drained)).toEqual([]);
          const { reserved, holding } = sides(drained);
          expect(Object.fromEntries(reserved)).toEqual(Object.fromEntries(holding));
          for (const [id, tickets] of holding) {
            for (const channel of new Set(tickets.map(channelOf))) {
              expect(tickets.filter((held) => channelOf(held) === channel).length).toBeLessThanOrEqual(capacityOf(AGENTS[id]!, channel, CAPACITY_DEFAULTS));
            }
          }
        } finally {
          await store.close();
        }
      }),
      { seed, numRuns: 100 },
    );
  }, 120_000);
});
