import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError } from '@ticketing/kernel';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { RoutedTicketRow, RoutingBoardTables } from './routing-board.projection';

export type QueueDepth = Readonly<{ queue: string; waiting: number; oldestQueuedAt: string | null; emergencies: number }>;

const PRIORITY_ORDER = `CASE priority WHEN 'emergency' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 WHEN 'low' THEN 3 ELSE 4 END`;

/** Reads of routing's board: queue depths and oldest waits, a queue's waiting tickets, one ticket's routing. */
@Injectable()
export class RoutingBoardQuery {
  private readonly db: Kysely<RoutingBoardTables>;

  constructor(@Inject(READ_STORE) readStore: ReadStore) {
    this.db = readStore.db as unknown as Kysely<RoutingBoardTables>;
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

  async ticket(ticketId: string): Promise<RoutedTicketRow> {
    const row = await this.db.selectFrom('routing_tickets').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
    if (!row) throw new NotFoundError(`Ticket ${ticketId} has not been routed`);
    return row;
  }

  async findTicket(ticketId: string): Promise<RoutedTicketRow | undefined> {
    return this.db.selectFrom('routing_tickets').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
  }
}
