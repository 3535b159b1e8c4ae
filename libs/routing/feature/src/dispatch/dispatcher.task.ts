import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { AgentProfile, Category, Channel, Language, Priority } from '@ticketing/contracts';
import { CLOCK, DomainError, systemActor, type Clock } from '@ticketing/kernel';
import { BackgroundTasks } from '@ticketing/platform';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import { planAssignments, type AgentCandidate, type PlannedAssignment, type RoutingRules, type WaitingTicket } from '@ticketing/routing-domain';
import { ROUTING_AGENTS_PROJECTION, type AgentRow, type RoutingAgentTables } from '../agents/routing-agents.projection';
import { earliestDue, type RoutedTicketRow, type RoutingBoardTables } from '../queues/routing-board.projection';
import { ROUTING_RULES } from '../routing-rules.config';
import { AgentCommandsService } from '../agents/agent-commands.service';
import { AssignmentService } from './assignment.service';

/** How often the dispatcher looks whether the board or the agents moved. */
export const DISPATCH_POLL_MS = 250;
/**
 * The most waiting tickets one round weighs, highest priority and oldest first: the rest wait for
 * later rounds, as they would for the agents anyway.
 */
export const DISPATCH_BACKLOG_WINDOW = 2_000;
const PRIORITY_RANK = `CASE priority WHEN 'emergency' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 WHEN 'low' THEN 3 ELSE 2 END`;

/** How often it dispatches even when nothing moved: shifts start, grace periods run out. */
export const DISPATCH_SWEEP_MS = 5_000;

const dispatcherActor = systemActor('routing-dispatch');
/** How often leaked reservations are looked for, and how old one must be: no assignment takes that long between its two appends. */
const RECONCILE_EVERY_MS = 60_000;
const RESERVATION_GRACE_MS = 60_000;
const CONCURRENT_ASSIGNMENTS = 16;

/** The plan in order, cut into batches in which no agent appears twice. */
function batchesByAgent(plan: readonly PlannedAssignment[], size: number): PlannedAssignment[][] {
  const batches: PlannedAssignment[][] = [];
  let batch: PlannedAssignment[] = [];
  let agents = new Set<string>();
  for (const assignment of plan) {
    if (batch.length === size || agents.has(assignment.agentId)) {
      batches.push(batch);
      batch = [];
      agents = new Set();
    }
    batch.push(assignment);
    agents.add(assignment.agentId);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

type Tables = RoutingBoardTables & RoutingAgentTables & { projection_checkpoints: { name: string; position: number | string } };

export const agentCandidateOf = (row: AgentRow): AgentCandidate => ({
  agentId: row.agent_id,
  profile: JSON.parse(row.profile) as AgentProfile,
  availability: row.availability as AgentCandidate['availability'],
  retired: Number(row.retired) === 1,
  held: JSON.parse(row.held) as Record<string, Channel>,
  lastTakenAt: row.last_taken_at,
});

export const waitingTicketOf = (row: RoutedTicketRow): WaitingTicket => ({
  ticketId: row.ticket_id,
  queue: row.queue,
  channel: (row.channel ?? 'email') as Channel,
  language: (row.language ?? 'en') as Language,
  category: row.category as Category | null,
  priority: row.priority as Priority | null,
  slaDueAt: earliestDue(row.sla_due),
  queuedAt: row.queued_at,
});

export type DispatchRound = Readonly<{ planned: number; assigned: number; lost: number; released: number }>;

/**
 * Hands waiting tickets to agents: whenever the routing board or the agents' read model moved (a
 * ticket queued, an agent freed capacity or came online) and at least every few seconds (shifts,
 * grace periods), it plans with `planAssignments` and commits each assignment through the
 * AssignmentService, where capacity and the single holder are decided on the streams; a plan made
 * on a read model a moment old loses such a race now and then, and the ticket waits for the next
 * round. Agents away or offline past the grace period (or retired) give their tickets back.
 */
@Injectable()
export class Dispatcher implements OnModuleInit {
  private readonly logger = new Logger(Dispatcher.name);
  private readonly db: Kysely<Tables>;
  private lastSeen = '';
  private lastRoundAt = 0;
  private lastReconciledAt = 0;
  private observeRound: (round: DispatchRound, seconds: number) => void = () => undefined;

  constructor(
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
    private readonly assignments: AssignmentService,
    private readonly tasks: BackgroundTasks,
    private readonly agents: AgentCommandsService,
  ) {
    this.db = readStore.db as unknown as Kysely<Tables>;
  }

  onModuleInit(): void {
    this.tasks.register({ name: 'routing-dispatch', run: (signal) => this.run(signal) });
  }

  /** Where each round's figures go (metrics). */
  reportRoundsTo(observe: (round: DispatchRound, seconds: number) => void): void {
    this.observeRound = observe;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (await this.due()) await this.dispatchOnce();
      } catch (error) {
        this.logger.error(`Dispatch round failed: ${String(error)}`);
      }
      await this.clock.sleep(DISPATCH_POLL_MS, signal).catch(() => undefined);
    }
  }

  private async due(): Promise<boolean> {
    const rows = await this.db.selectFrom('projection_checkpoints').select(['name', 'position']).where('name', 'in', ['routing-board', ROUTING_AGENTS_PROJECTION]).execute();
    const seen = rows.map((row) => `${row.name}:${row.position}`).sort().join(',');
    const now = this.clock.now().getTime();
    if (seen === this.lastSeen && now - this.lastRoundAt < DISPATCH_SWEEP_MS) return false;
    this.lastSeen = seen;
    return true;
  }

  /** One round: plan on the read models, commit each assignment, give back what unavailable agents hold. */
  async dispatchOnce(): Promise<DispatchRound> {
    const started = performance.now();
    const at = this.clock.now();
    this.lastRoundAt = at.getTime();
    const [tickets, agents, peak] = await Promise.all([
      // The front of the backlog only: a round stays short (it runs beside the API) however long the backlog grows in a surge.
      this.db
        .selectFrom('routing_tickets')
        .selectAll()
        .where('waiting', '=', 1)
        .where('finished', '=', 0)
        .where('queue', '!=', '')
        .orderBy(sql.raw(PRIORITY_RANK))
        .orderBy('queued_at')
        .limit(DISPATCH_BACKLOG_WINDOW)
        .execute(),
      this.db.selectFrom('routing_agents').selectAll().execute(),
      this.db.selectFrom('routing_peak').select('in_surge').where('id', '=', 1).executeTakeFirst(),
    ]);
    const candidates = agents.map(agentCandidateOf);
    const plan = planAssignments(tickets.map(waitingTicketOf), candidates, this.rules.dispatch, at, Number(peak?.in_surge ?? 0) === 1);
    let assigned = 0;
    let lost = 0;
    // Several at once (their appends share the store's group commit), each agent at most once per batch: its own stream serializes it anyway.
    for (const batch of batchesByAgent(plan, CONCURRENT_ASSIGNMENTS)) {
      const results = await Promise.allSettled(batch.map(({ ticketId, agentId, reason }) => this.assignments.assign(ticketId, agentId, { rule: 'auto', reason, actor: dispatcherActor, requireOnline: true })));
      for (const result of results) {
        if (result.status === 'fulfilled') assigned++;
        // The read model was a moment behind (the agent went offline, filled up, the ticket was claimed): next round.
        else if (result.reason instanceof DomainError) lost++;
        else throw result.reason;
      }
    }
    const released = await this.releaseFromUnavailable(candidates, at);
    if (at.getTime() - this.lastReconciledAt >= RECONCILE_EVERY_MS) {
      this.lastReconciledAt = at.getTime();
      await this.giveBackLeakedReservations(candidates, at);
    }
    const round = { planned: plan.length, assigned, lost, released };
    this.observeRound(round, (performance.now() - started) / 1000);
    return round;
  }

  /**
   * A process that stopped between reserving an agent's capacity and holding the ticket left a
   * reservation nobody uses: once it is older than any assignment in flight, and the ticket's own
   * stream says the agent does not hold it with that reservation, it is given back.
   */
  private async giveBackLeakedReservations(agents: readonly AgentCandidate[], at: Date): Promise<void> {
    const heldTickets = agents.flatMap((agent) => Object.keys(agent.held).map((ticketId) => ({ agentId: agent.agentId, ticketId })));
    if (heldTickets.length === 0) return;
    const assignees = new Map<string, string | null>();
    for (let index = 0; index < heldTickets.length; index += 500) {
      const ids = heldTickets.slice(index, index + 500).map(({ ticketId }) => ticketId);
      for (const row of await this.db.selectFrom('routing_tickets').select(['ticket_id', 'assignee']).where('ticket_id', 'in', ids).execute()) assignees.set(row.ticket_id, row.assignee);
    }
    for (const { agentId, ticketId } of heldTickets) {
      if (assignees.get(ticketId) === agentId) continue;
      const reservation = (await this.agents.state(agentId)).reservations[ticketId];
      if (reservation === undefined || at.getTime() - Date.parse(reservation.takenAt) < RESERVATION_GRACE_MS) continue;
      const ticket = await this.assignments.ticket(ticketId);
      const holding = ticket.status !== 'unrouted' && ticket.holder === agentId && (ticket.holderReservation === null || ticket.holderReservation === reservation.id);
      if (holding) continue;
      this.logger.warn(`Giving back agent ${agentId}'s reservation of ticket ${ticketId}: no holding uses it (an assignment stopped half-way)`);
      await this.assignments.dropCapacity(agentId, ticketId, 'reservation without a holding', dispatcherActor, undefined, reservation.id ?? undefined);
    }
  }

  private async releaseFromUnavailable(agents: readonly AgentCandidate[], at: Date): Promise<number> {
    const policy = this.rules.dispatch.whenUnavailable;
    let released = 0;
    const rows = await this.db.selectFrom('routing_agents').select(['agent_id', 'available_since']).where('held_count', '>', 0).where('availability', '!=', 'online').execute();
    const since = new Map(rows.map((row) => [row.agent_id, row.available_since]));
    for (const agent of agents) {
      if (!since.has(agent.agentId)) continue;
      const graceOver = policy.mode === 'requeue' && at.getTime() - Date.parse(since.get(agent.agentId) ?? at.toISOString()) >= policy.graceMs;
      if (!agent.retired && !graceOver) continue;
      for (const ticketId of Object.keys(agent.held)) {
        try {
          await this.assignments.release(ticketId, agent.agentId, agent.retired ? 'agent_retired' : 'agent_unavailable', dispatcherActor);
          released++;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
    }
    return released;
  }
}
