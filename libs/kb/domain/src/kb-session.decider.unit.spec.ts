import { NotFoundError, ValidationError } from '@ticketing/kernel';
import type { KbSessionEvent } from '@ticketing/contracts';
import { deciderSpec } from '@ticketing/testing';
import { kbSessionDecider } from './kb-session.decider';

const spec = deciderSpec(kbSessionDecider);
const S = 'sess-1';
const T = '2026-12-01T10:00:00.000Z';
const shown: KbSessionEvent = { type: 'KbSuggestionsShown', schemaVersion: 1, data: { sessionId: S, query: 'reset 2fa', language: 'en', articleIds: ['a', 'b'], shownAt: T } };
const feedback = (articleId: string, helpful: boolean): KbSessionEvent => ({ type: 'KbArticleFeedbackGiven', schemaVersion: 1, data: { sessionId: S, articleId, helpful, givenAt: T } });
const resolved: KbSessionEvent = { type: 'KbSessionResolved', schemaVersion: 1, data: { sessionId: S, articleId: 'a', resolvedAt: T } };

describe('kb session decider', () => {
  it('records the suggestions shown, and nothing when there were none', () => {
    spec.given([]).when({ type: 'ShowSuggestions', data: { sessionId: S, query: 'reset 2fa', language: 'en', articleIds: ['a', 'b'], now: T } }).then([shown]);
    spec.given([]).when({ type: 'ShowSuggestions', data: { sessionId: S, query: 'zzz', language: 'en', articleIds: [], now: T } }).thenNothingHappens();
  });

  it('records a click on a suggested article', () => {
    spec
      .given([shown])
      .when({ type: 'ClickSuggestion', data: { sessionId: S, articleId: 'b', now: T } })
      .then([{ type: 'KbSuggestionClicked', schemaVersion: 1, data: { sessionId: S, articleId: 'b', clickedAt: T } }]);
  });

  it('refuses clicks, feedback and resolution about articles the session was not shown', () => {
    spec.given([]).when({ type: 'ClickSuggestion', data: { sessionId: S, articleId: 'a', now: T } }).thenThrows(NotFoundError);
    spec.given([shown]).when({ type: 'ClickSuggestion', data: { sessionId: S, articleId: 'z', now: T } }).thenThrows(ValidationError, (error) => expect(error.errors[0].field).toBe('articleId'));
    spec.given([shown]).when({ type: 'GiveArticleFeedback', data: { sessionId: S, articleId: 'z', helpful: true, now: T } }).thenThrows(ValidationError);
    spec.given([shown]).when({ type: 'ResolveKbSession', data: { sessionId: S, articleId: 'z', now: T } }).thenThrows(ValidationError);
  });

  it('keeps the latest feedback per article: a repeat decides nothing, a change is recorded', () => {
    spec.given([shown]).when({ type: 'GiveArticleFeedback', data: { sessionId: S, articleId: 'a', helpful: false, now: T } }).then([feedback('a', false)]);
    spec.given([shown, feedback('a', false)]).when({ type: 'GiveArticleFeedback', data: { sessionId: S, articleId: 'a', helpful: false, now: T } }).thenNothingHappens();
    spec.given([shown, feedback('a', false)]).when({ type: 'GiveArticleFeedback', data: { sessionId: S, articleId: 'a', helpful: true, now: T } }).then([feedback('a', true)]);
  });

  it('resolves the session by an article once', () => {
    spec.given([shown]).when({ type: 'ResolveKbSession', data: { sessionId: S, articleId: 'a', now: T } }).then([resolved]);
    spec.given([shown, resolved]).when({ type: 'ResolveKbSession', data: { sessionId: S, articleId: 'b', now: T } }).thenNothingHappens();
  });
});
