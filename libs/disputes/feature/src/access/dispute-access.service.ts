import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { AgentClearance } from '@ticketing/contracts';
import { EVENT_STORE, type EventStore } from '@ticketing/event-store';
import { ForbiddenError, NotFoundError } from '@ticketing/kernel';
import type { AuthenticatedActor } from '@ticketing/platform';
import { PROJECTION_RUNNER, READ_STORE, type ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { DISPUTE_PARTIES_PROJECTION, type DisputePartiesTables, type DisputeTicketRow } from './dispute-parties.projection';

/** How long a request waits for the parties read model to reach the log's head before answering "unknown". */
const CATCH_UP_TIMEOUT_MS = 3_000;

/** Roles that read every case (never write). */
const READERS = new Set(['auditor', 'ops']);
/** Roles that act on any case without a clearance of their own. */
const OVERSEERS = new Set(['supervisor', 'admin']);

/**
 * Who may see and do what on a ticket's dispute or recovery: the ticket's customer, staff, and for
 * decisions agents holding the clearance. Read from the `dispute-parties` read model, caught up to
 * the log's head when it does not know the ticket or agent yet (a ticket opened a moment ago).
 */
@Injectable()
export class DisputeAccess {
  private readonly db: Kysely<DisputePartiesTables>;

  constructor(
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {
    this.db = readStore.db as unknown as Kysely<DisputePartiesTables>;
  }

  /** The ticket, visible to `actor` (another customer's is as unknown as a missing one). */
  async ticketFor(ticketId: string, actor: AuthenticatedActor): Promise<DisputeTicketRow> {
    const ticket = await this.caughtUp(() => this.db.selectFrom('dispute_tickets').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst());
    if (ticket === undefined || (actor.kind === 'customer' && ticket.customer_id !== actor.id)) throw new NotFoundError(`No ticket ${ticketId}`, { ticketId });
    return ticket;
  }

  /** Throws unless `actor` may read the case of a ticket owned by `customerId`. */
  assertMayRead(actor: AuthenticatedActor, customerId: string, ticketId: string): void {
    if (actor.kind === 'customer' && customerId !== actor.id) throw new NotFoundError(`No ticket ${ticketId}`, { ticketId });
  }

  /** Throws a ForbiddenError unless `actor` is a supervisor, an admin, or an agent holding `clearance`. */
  async assertCleared(actor: AuthenticatedActor, clearance: AgentClearance): Promise<void> {
    if (actor.roles.some((role) => OVERSEERS.has(role))) return;
    if (actor.roles.includes('agent')) {
      const staff = await this.caughtUp(() => this.db.selectFrom('dispute_staff').selectAll().where('agent_id', '=', actor.id).executeTakeFirst());
      if (staff !== undefined && staff.retired === 0 && (JSON.parse(staff.clearances) as string[]).includes(clearance)) return;
      throw new ForbiddenError(`This needs the ${clearance} clearance on your agent profile (PUT /v1/routing/agents/${actor.id} by a supervisor)`, { clearance });
    }
    throw new ForbiddenError(`This needs an agent with the ${clearance} clearance, a supervisor or an admin`, { clearance });
  }

  /** Whether `actor` only reads (auditors, ops). */
  isReader(actor: AuthenticatedActor): boolean {
    return actor.roles.every((role) => READERS.has(role));
  }

  private async caughtUp<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
    const found = await read();
    if (found !== undefined) return found;
    // A lagging read model answers "unknown" now; the client may retry.
    if (!(await this.projections.caughtUpWithin(DISPUTE_PARTIES_PROJECTION, await this.eventStore.headPosition(), CATCH_UP_TIMEOUT_MS))) return undefined;
    return read();
  }
}
