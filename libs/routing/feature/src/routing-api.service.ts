import { Inject, Injectable } from '@nestjs/common';
import type { Category } from '@ticketing/contracts';
import { CLOCK, newId, type Clock } from '@ticketing/kernel';
import { CorrelationContext, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { decidePriority, type RoutingRules } from '@ticketing/routing-domain';
import { TICKET_CLASSIFIER, type TicketClassifier } from './classifier/ticket-classifier';
import type { ClassifyRequest, ClassifyResponse, QueueListResponse, RoutedTicketResponse, WaitingTicketsResponse } from './http/routing.dto';
import type { RoutedTicketRow } from './queues/routing-board.projection';
import { RoutingBoardQuery } from './queues/routing-board.query';
import { RoutingCommandsService } from './routing-commands.service';
import { ROUTING_RULES } from './routing-rules.config';

export const toRoutedTicketResponse = (row: RoutedTicketRow): RoutedTicketResponse => ({
  ticketId: row.ticket_id,
  queue: row.queue,
  category: row.category as RoutedTicketResponse['category'],
  priority: row.priority as RoutedTicketResponse['priority'],
  confidence: row.confidence === null ? null : Number(row.confidence),
  signals: JSON.parse(row.signals) as string[],
});

/** Routing's operations as REST and gRPC both answer them (each transport maps its request onto one call). */
@Injectable()
export class RoutingApiService {
  constructor(
    @Inject(TICKET_CLASSIFIER) private readonly classifier: TicketClassifier,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: RoutingCommandsService,
    private readonly board: RoutingBoardQuery,
  ) {}

  async classify(request: ClassifyRequest): Promise<ClassifyResponse> {
    const verdict = await this.classifier.classify({ subject: request.subject, body: request.body });
    const { priority } = decidePriority(verdict.category, { channel: request.channel, assetAmountAboveThreshold: false }, this.rules.priority);
    return {
      category: verdict.category,
      priority,
      confidence: verdict.confidence,
      language: verdict.language,
      modelVersion: verdict.modelVersion,
      lowConfidence: verdict.confidence < this.rules.minConfidence,
    };
  }

  async recategorize(ticketId: string, category: Category, reason: string | null, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const routed = await this.commands.recategorize(ticketId, category, reason, {
      actor: toEventActor(actor),
      correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
    });
    return { ticketId, queue: routed.queue ?? '', category: routed.category, priority: routed.priority, confidence: routed.confidence, signals: [...routed.signals] };
  }

  async ticket(ticketId: string): Promise<RoutedTicketResponse> {
    return toRoutedTicketResponse(await this.board.ticket(ticketId));
  }

  async queues(): Promise<QueueListResponse> {
    const now = this.clock.now().getTime();
    const depths = await this.board.queues();
    return {
      queues: depths.map((depth) => ({
        ...depth,
        oldestWaitSeconds: depth.oldestQueuedAt === null ? null : Math.max(0, Math.floor((now - Date.parse(depth.oldestQueuedAt)) / 1000)),
      })),
    };
  }

  async waiting(queue: string, limit: number): Promise<WaitingTicketsResponse> {
    const rows = await this.board.waitingIn(queue, limit);
    return { queue, tickets: rows.map(toRoutedTicketResponse) };
  }
}
