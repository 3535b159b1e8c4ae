import type { Kysely } from 'kysely';
import { KB_EVENT_TYPES, type KbSessionEvent, type TicketOpened, type TicketSelfServed } from '@ticketing/contracts';
import { defineProjection } from '@ticketing/read-store';

/**
 * A customer support session: whether it was shown suggestions, clicked one, said "this solved it",
 * and how many tickets it opened (TicketOpened with this `sessionId`). `self_served_tickets`
 * counts tickets of the session resolved by an article after they were opened (TicketSelfServed).
 */
export type SessionRow = {
  session_id: string;
  shown_at: string | null;
  suggestions_shown: number;
  clicks: number;
  resolved_article_id: string | null;
  resolved_at: string | null;
  tickets_opened: number;
  self_served_tickets: number;
};

/** The latest "did this help?" of each session about each article. */
export type SessionFeedbackRow = { session_id: string; article_id: string; helpful: number };

export type KbSessionTables = { kb_sessions: SessionRow; kb_session_feedback: SessionFeedbackRow };

export const KB_SESSIONS_PROJECTION = 'kb-sessions';

const SESSION_EVENT_TYPES = KB_EVENT_TYPES.filter((type) => type.startsWith('Kb'));

type SessionProjectedEvent = KbSessionEvent | TicketOpened | TicketSelfServed;

const EMPTY_SESSION = {
  shown_at: null,
  suggestions_shown: 0,
  clicks: 0,
  resolved_article_id: null,
  resolved_at: null,
  tickets_opened: 0,
  self_served_tickets: 0,
} as const satisfies Omit<SessionRow, 'session_id'>;

/**
 * The session a ticket was opened in. Intake does not carry one yet on every TicketOpened: read it
 * defensively, so tickets without one (or with a malformed one) count for no session.
 */
export function sessionIdOfTicket(data: object): string | undefined {
  const sessionId = (data as { sessionId?: unknown }).sessionId;
  return typeof sessionId === 'string' && sessionId.length > 0 && sessionId.length <= 128 ? sessionId : undefined;
}

/** Deflection read model: sessions (suggestions, clicks, self-resolution, tickets opened) and feedback. */
export const kbSessionsProjection = defineProjection<KbSessionTables, SessionProjectedEvent>({
  name: KB_SESSIONS_PROJECTION,
  // 2: tickets self-served from a session count (TicketSelfServed).
  version: 2,
  // Intake's events by type, never by its stream names (docs/architecture.md).
  eventTypes: [...(SESSION_EVENT_TYPES as KbSessionEvent['type'][]), 'TicketOpened', 'TicketSelfServed'],
  tables: ['kb_session_feedback', 'kb_sessions'],
  migrations: {
    '0001-create-kb-sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('kb_sessions')
          .addColumn('session_id', 'varchar(128)', (column) => column.primaryKey())
          .addColumn('shown_at', 'varchar(32)')
          .addColumn('suggestions_shown', 'integer', (column) => column.notNull())
          .addColumn('clicks', 'integer', (column) => column.notNull())
          .addColumn('resolved_article_id', 'varchar(128)')
          .addColumn('resolved_at', 'varchar(32)')
          .addColumn('tickets_opened', 'integer', (column) => column.notNull())
          .addColumn('self_served_tickets', 'integer', (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('kb_session_feedback')
          .addColumn('session_id', 'varchar(128)', (column) => column.notNull())
          .addColumn('article_id', 'varchar(128)', (column) => column.notNull())
          .addColumn('helpful', 'integer', (column) => column.notNull())
          .addPrimaryKeyConstraint('kb_session_feedback_pk', ['session_id', 'article_id'])
          .execute();
      },
    },
  },
  async apply(trx, event) {
    const ensure = (sessionId: string) =>
      trx
        .insertInto('kb_sessions')
        .values({ session_id: sessionId, ...EMPTY_SESSION })
        .onConflict((conflict) => conflict.column('session_id').doNothing())
        .execute();
    if (event.type === 'TicketOpened') {
      const sessionId = sessionIdOfTicket(event.data);
      if (sessionId === undefined) return;
      await ensure(sessionId);
      await trx
        .updateTable('kb_sessions')
        .set((eb) => ({ tickets_opened: eb('tickets_opened', '+', 1) }))
        .where('session_id', '=', sessionId)
        .execute();
      return;
    }
    if (event.type === 'TicketSelfServed') {
      const sessionId = event.data.sessionId === null ? undefined : sessionIdOfTicket(event.data);
      if (sessionId === undefined) return;
      await ensure(sessionId);
      await trx
        .updateTable('kb_sessions')
        .set((eb) => ({ self_served_tickets: eb('self_served_tickets', '+', 1) }))
        .where('session_id', '=', sessionId)
        .execute();
      return;
    }
    const { sessionId } = event.data;
    await ensure(sessionId);
    const session = trx.updateTable('kb_sessions').where('session_id', '=', sessionId);
    switch (event.type) {
      case 'KbSuggestionsShown': {
        const current = await trx.selectFrom('kb_sessions').select('shown_at').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
        await session
          .set((eb) => ({ shown_at: current.shown_at ?? event.data.shownAt, suggestions_shown: eb('suggestions_shown', '+', 1) }))
          .execute();
        return;
      }
      case 'KbSuggestionClicked':
        await session.set((eb) => ({ clicks: eb('clicks', '+', 1) })).execute();
        return;
      case 'KbArticleFeedbackGiven': {
        const row = { session_id: sessionId, article_id: event.data.articleId, helpful: event.data.helpful ? 1 : 0 };
        await trx
          .insertInto('kb_session_feedback')
          .values(row)
          .onConflict((conflict) => conflict.columns(['session_id', 'article_id']).doUpdateSet({ helpful: row.helpful }))
          .execute();
        return;
      }
      case 'KbSessionResolved':
        await session.set({ resolved_article_id: event.data.articleId, resolved_at: event.data.resolvedAt }).execute();
        return;
    }
  },
});
