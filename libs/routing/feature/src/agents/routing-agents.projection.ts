import type { Kysely } from 'kysely';
import { AGENT_EVENT_TYPES, type AgentEvent, type AgentProfile, type Channel } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { defineProjection } from '@ticketing/read-store';

/** Every agent as dispatch and the agent APIs list them. */
export type AgentRow = {
  agent_id: string;
  display_name: string;
  /** JSON AgentProfile. */
  profile: string;
  availability: string;
  available_since: string | null;
  retired: number;
  /** JSON: ticket id → channel, the tickets it holds. */
  held: string;
  held_count: number;
  last_taken_at: string | null;
  updated_at: string;
};

export type RoutingAgentTables = { routing_agents: AgentRow };

export const ROUTING_AGENTS_PROJECTION = 'routing-agents';

/** Routing's agents: profile, availability, held tickets, from the `agent-<id>` streams. */
export const routingAgentsProjection = defineProjection<RoutingAgentTables, AgentEvent>({
  name: ROUTING_AGENTS_PROJECTION,
  version: 1,
  eventTypes: AGENT_EVENT_TYPES,
  tables: ['routing_agents'],
  migrations: {
    '0001-create-routing-agents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('routing_agents')
          .addColumn('agent_id', 'varchar(128)', (column) => column.primaryKey())
          .addColumn('display_name', 'varchar(100)', (column) => column.notNull())
          .addColumn('profile', 'text', (column) => column.notNull())
          .addColumn('availability', 'varchar(8)', (column) => column.notNull())
          .addColumn('available_since', 'varchar(32)')
          .addColumn('retired', 'integer', (column) => column.notNull())
          .addColumn('held', 'text', (column) => column.notNull())
          .addColumn('held_count', 'integer', (column) => column.notNull())
          .addColumn('last_taken_at', 'varchar(32)')
          .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
          .execute();
      },
    },
  },
  async apply(trx, event) {
    const { agentId } = event.data;
    const current = () => trx.selectFrom('routing_agents').select(['held']).where('agent_id', '=', agentId).executeTakeFirst();
    const update = (changes: Partial<AgentRow>) => trx.updateTable('routing_agents').set(changes).where('agent_id', '=', agentId).execute();
    const setHeld = (held: Record<string, Channel>, changes: Partial<AgentRow>) => update({ ...changes, held: JSON.stringify(held), held_count: Object.keys(held).length });
    switch (event.type) {
      case 'AgentProfileSaved': {
        const { profile, savedAt } = event.data;
        const row = { display_name: profile.displayName, profile: JSON.stringify(profile satisfies AgentProfile), updated_at: savedAt };
        await trx
          .insertInto('routing_agents')
          .values({ agent_id: agentId, ...row, availability: 'offline', available_since: savedAt, retired: 0, held: '{}', held_count: 0, last_taken_at: null })
          .onConflict((conflict) => conflict.column('agent_id').doUpdateSet(row))
          .execute();
        return;
      }
      case 'AgentAvailabilityChanged':
        return void (await update({ availability: event.data.to, available_since: event.data.changedAt, updated_at: event.data.changedAt }));
      case 'AgentRetired':
        return void (await update({ retired: 1, availability: 'offline', available_since: event.data.retiredAt, updated_at: event.data.retiredAt }));
      case 'AgentTicketTaken': {
        const row = await current();
        if (row === undefined) return;
        return void (await setHeld({ ...(JSON.parse(row.held) as Record<string, Channel>), [event.data.ticketId]: event.data.channel }, { last_taken_at: event.data.takenAt, updated_at: event.data.takenAt }));
      }
      case 'AgentTicketDropped': {
        const row = await current();
        if (row === undefined) return;
        const { [event.data.ticketId]: _dropped, ...held } = JSON.parse(row.held) as Record<string, Channel>;
        return void (await setHeld(held, { updated_at: event.data.droppedAt }));
      }
      default:
        return assertNever(event);
    }
  },
});
