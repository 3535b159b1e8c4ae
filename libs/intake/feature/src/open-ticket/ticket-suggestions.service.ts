import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ARTICLE_SUGGESTER, type ArticleSuggester } from '@ticketing/contracts';
import type { ArticleSuggestionResponse, TicketResponse } from '../ticket.response.dto';
import type { OpenTicketRequest } from './open-ticket.request.dto';

/** Knowledge-base articles for a ticket just opened, when the knowledge base runs in this process. */
@Injectable()
export class TicketSuggestionsService {
  private readonly logger = new Logger(TicketSuggestionsService.name);

  constructor(@Optional() @Inject(ARTICLE_SUGGESTER) private readonly suggester?: ArticleSuggester) {}

  /** Up to 3 suggestions; a failure only leaves them out: without them the customer still has the ticket. */
  async forOpened(request: OpenTicketRequest, ticket: TicketResponse): Promise<ArticleSuggestionResponse[]> {
    if (this.suggester === undefined) return [];
    try {
      const text = request.subject === undefined ? request.body : `${request.subject}\n${request.body}`;
      const suggestions = await this.suggester.suggest({ text, language: ticket.language, limit: 3, ...(request.sessionId !== undefined && { sessionId: request.sessionId }) });
      return suggestions.map(({ id, title, category, score, url }) => ({ id, title, category, score, url }));
    } catch (error) {
      this.logger.warn({ err: error, ticketId: ticket.id }, 'Knowledge-base suggestions failed; the ticket is opened without them');
      return [];
    }
  }
}
