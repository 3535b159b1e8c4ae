import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError } from '@ticketing/kernel';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { AgentRow, RoutingAgentTables } from '../agents/routing-agents.projection';
import type { RoutedTicketRow, RoutingBoardTables } from './routing-board.projection';

export type QueueDepth = Readonly<{ queue: string; waiting: number; oldestQueuedAt: string | null; emergencies: number }>;

const PRIORITY_ORDER = `CASE priority WHEN 'emergency' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 WHEN 'low' THEN 3 ELSE 4 END`;

/** The most waiting tickets of one queue read to put them in dispatch order (SLA due times are JSON: sorted here, not in SQL). */
export const MAX_QUEUE_SCAN = 10_000;

/** Reads of routing's board: queue depths and oldest waits, a queue's waiting tickets, one ticket's routing, who holds what. */
@Injectable()
export class RoutingBoardQuery {
  private readonly db: Kysely<RoutingBoardTables & RoutingAgentTables>;

  constructor(@Inject(READ_STORE) readStore: ReadStore) {
    this.db = readStore.db as unknown as Kysely<RoutingBoardTables & RoutingAgentTables>;
  }

  async queues(): Promise<readonly QueueDepth[]> {
    const rows = await this.db
      .selectFrom('routing_tickets')
      .select((eb) => [
        'queue',
        eb.fn.countAll<number | string>().as('waiting'),
        eb.fn.min('queued_at').as('oldest'),
        eb.fn.sum<number | string | null>(eb.case().when('priority', '=', 'emergency').then(1).else(0).end()).as('emergencies'),
      ])
      .where('waiting', '=', 1)
      .groupBy('queue')
      .orderBy('queue')
      .execute();
    return rows.map((row) => ({ queue: row.queue, waiting: Number(row.waiting), oldestQueuedAt: row.oldest ?? null, emergencies: Number(row.emergencies ?? 0) }));
  }

  /** Waiting tickets of a queue in the order they should be taken: priority, then age. */
  async waitingIn(queue: string, limit: number): Promise<readonly RoutedTicketRow[]> {
    return this.db
      .selectFrom('routing_tickets')
      .selectAll()
      .where('waiting', '=', 1)
      .where('queue', '=', queue)
      .orderBy(sql.raw(PRIORITY_ORDER))
      .orderBy('queued_at')
      .orderBy('ticket_id')
      .limit(limit)
      .execute();
  }

  /** Every waiting ticket of a queue (up to MAX_QUEUE_SCAN, by priority then age), for dispatch order. */
  async allWaitingIn(queue: string): Promise<readonly RoutedTicketRow[]> {
    return this.waitingIn(queue, MAX_QUEUE_SCAN);
  }

  /** Whether any ticket was ever routed to the queue (queues of earlier rules stay readable). */
  async queueSeen(queue: string): Promise<boolean> {
    const row = await this.db.selectFrom('routing_tickets').select('ticket_id').where('queue', '=', queue).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** The open tickets an agent holds, oldest assignment first. */
  async heldBy(agentId: string): Promise<readonly RoutedTicketRow[]> {
    return this.db
      .selectFrom('routing_tickets')
      .selectAll()
      .where('assignee', '=', agentId)
      .where('finished', '=', 0)
      .orderBy('assigned_at')
      .orderBy('ticket_id')
      .limit(500)
      .execute();
  }

  /** The agents not retired, as dispatch sees them. */
  async activeAgents(): Promise<readonly AgentRow[]> {
    return this.db.selectFrom('routing_agents').selectAll().where('retired', '=', 0).orderBy('agent_id').execute();
  }

  /** A page of agents, active first then retired, each by id, after the keyset `after`. */
  async agentsPage(options: Readonly<{ after?: Readonly<{ retired: number; agentId: string }>; limit: number; availability?: string }>): Promise<readonly AgentRow[]> {
    let query = this.db.selectFrom('routing_agents').selectAll();
    if (options.availability !== undefined) query = query.where('availability', '=', options.availability);
    const after = options.after;
    if (after !== undefined) {
      query = query.where((eb) => eb.or([eb('retired', '>', after.retired), eb.and([eb('retired', '=', after.retired), eb('agent_id', '>', after.agentId)])]));
    }
    return query.orderBy('retired').orderBy('agent_id').limit(options.limit).execute();
  }

  /** Whether inflow surges (peak mode). */
  async inSurge(): Promise<boolean> {
    const row = await this.db.selectFrom('routing_peak').select('in_surge').where('id', '=', 1).executeTakeFirst();
    return Number(row?.in_surge ?? 0) === 1;
  }

  async ticket(ticketId: string): Promise<RoutedTicketRow> {
    const row = await this.db.selectFrom('routing_tickets').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
    if (!row) throw new NotFoundError(`Ticket ${ticketId} has not been routed`);
    return row;
  }

  async findTicket(ticketId: string): Promise<RoutedTicketRow | undefined> {
    return this.db.selectFrom('routing_tickets').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
  }
}
