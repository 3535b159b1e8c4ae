import { assertNever, NotFoundError, ValidationError, type Command, type Decider } from '@ticketing/kernel';
import type { KbSessionEvent, Language } from '@ticketing/contracts';

export const KB_SESSION_SCHEMA_VERSION = 1;

export type KbSessionState = Readonly<{
  /** Every article suggested in the session so far. */
  shown: ReadonlySet<string>;
  clicked: ReadonlySet<string>;
  /** The latest feedback per article. */
  feedback: ReadonlyMap<string, boolean>;
  resolvedBy: string | null;
}>;

export const initialKbSessionState = (): KbSessionState => ({ shown: new Set(), clicked: new Set(), feedback: new Map(), resolvedBy: null });

export function evolveKbSession(state: KbSessionState, event: KbSessionEvent): KbSessionState {
  switch (event.type) {
    case 'KbSuggestionsShown':
      return { ...state, shown: new Set([...state.shown, ...event.data.articleIds]) };
    case 'KbSuggestionClicked':
      return { ...state, clicked: new Set([...state.clicked, event.data.articleId]) };
    case 'KbArticleFeedbackGiven':
      return { ...state, feedback: new Map([...state.feedback, [event.data.articleId, event.data.helpful]]) };
    case 'KbSessionResolved':
      return { ...state, resolvedBy: event.data.articleId };
    default:
      return assertNever(event);
  }
}

export type ShowSuggestions = Command<'ShowSuggestions', { sessionId: string; query: string; language: Language; articleIds: readonly string[]; now: string }>;
export type ClickSuggestion = Command<'ClickSuggestion', { sessionId: string; articleId: string; now: string }>;
export type GiveArticleFeedback = Command<'GiveArticleFeedback', { sessionId: string; articleId: string; helpful: boolean; now: string }>;
export type ResolveKbSession = Command<'ResolveKbSession', { sessionId: string; articleId: string; now: string }>;

export type KbSessionCommand = ShowSuggestions | ClickSuggestion | GiveArticleFeedback | ResolveKbSession;

const event = <E extends KbSessionEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: KB_SESSION_SCHEMA_VERSION, data }) as E;

/** Clicks, feedback and "this solved it" are about an article the session was shown. */
function assertShown(state: KbSessionState, sessionId: string, articleId: string): void {
  if (state.shown.size === 0) throw new NotFoundError(`Session ${sessionId} was shown no suggestions`, { sessionId });
  if (!state.shown.has(articleId)) {
    throw new ValidationError(`Article ${articleId} was not suggested in session ${sessionId}`, [{ field: 'articleId', message: 'not among the articles suggested in this session' }]);
  }
}

export function decideKbSession(command: KbSessionCommand, state: KbSessionState): readonly KbSessionEvent[] {
  const { sessionId, now } = command.data;
  switch (command.type) {
    case 'ShowSuggestions': {
      const { query, language, articleIds } = command.data;
      // Nothing shown, nothing to deflect with: the session does not start.
      if (articleIds.length === 0) return [];
      return [event('KbSuggestionsShown', { sessionId, query, language, articleIds, shownAt: now })];
    }
    case 'ClickSuggestion':
      assertShown(state, sessionId, command.data.articleId);
      return [event('KbSuggestionClicked', { sessionId, articleId: command.data.articleId, clickedAt: now })];
    case 'GiveArticleFeedback': {
      const { articleId, helpful } = command.data;
      assertShown(state, sessionId, articleId);
      if (state.feedback.get(articleId) === helpful) return [];
      return [event('KbArticleFeedbackGiven', { sessionId, articleId, helpful, givenAt: now })];
    }
    case 'ResolveKbSession': {
      const { articleId } = command.data;
      assertShown(state, sessionId, articleId);
      // Solved once is solved: a second "this solved it" changes nothing.
      if (state.resolvedBy !== null) return [];
      return [event('KbSessionResolved', { sessionId, articleId, resolvedAt: now })];
    }
    default:
      return assertNever(command);
  }
}

/** The write model of `kb-session-<sessionId>`: suggestions shown, clicks, feedback, "this solved it". */
export const kbSessionDecider: Decider<KbSessionState, KbSessionCommand, KbSessionEvent> = {
  initialState: initialKbSessionState,
  evolve: evolveKbSession,
  decide: decideKbSession,
};
