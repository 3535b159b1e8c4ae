import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CLOCK, newId, ValidationError, type Clock } from '@ticketing/kernel';
import { ApiProblems, ApiUuidParam, CorrelationContext, CurrentActor, Idempotent, Operation, Roles, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { decidePriority, type RoutingRules } from '@ticketing/routing-domain';
import { TICKET_CLASSIFIER, type TicketClassifier } from '../classifier/ticket-classifier';
import { RoutingBoardQuery } from '../queues/routing-board.query';
import type { RoutedTicketRow } from '../queues/routing-board.projection';
import { RoutingCommandsService } from '../routing-commands.service';
import { ROUTING_RULES } from '../routing-rules.config';
import { ClassifyRequest, ClassifyResponse, QueueListResponse, RecategorizeRequest, RoutedTicketResponse, WaitingTicketsResponse } from './routing.dto';

const STAFF = ['agent', 'supervisor', 'admin'] as const;
const QUEUE_NAME = /^[a-z0-9-]{1,64}$/;

export const toRoutedTicketResponse = (row: RoutedTicketRow): RoutedTicketResponse => ({
  ticketId: row.ticket_id,
  queue: row.queue,
  category: row.category as RoutedTicketResponse['category'],
  priority: row.priority as RoutedTicketResponse['priority'],
  confidence: row.confidence === null ? null : Number(row.confidence),
  signals: JSON.parse(row.signals) as string[],
});

@ApiTags('routing')
@ApiBearerAuth()
@Controller('routing')
export class RoutingHttpController {
  constructor(
    @Inject(TICKET_CLASSIFIER) private readonly classifier: TicketClassifier,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: RoutingCommandsService,
    private readonly board: RoutingBoardQuery,
  ) {}

  @Post('classify')
  @HttpCode(200)
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin', 'auditor', 'ops')
  @Operation('classifyText', {
    summary: 'Classify a text before a ticket exists',
    description: 'Any authenticated role. Answers the category, priority and language the ticket would get; creates nothing (frontends use it for pre-submit hints).',
  })
  @ApiOkResponse({ type: ClassifyResponse })
  async classify(@Body() request: ClassifyRequest): Promise<ClassifyResponse> {
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

  @Post('tickets/:id/recategorize')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(404, 409)
  @Operation('recategorizeTicket', {
    summary: 'Correct a ticket’s category',
    description: 'Agents, supervisors, admins. The priority follows by the routing rules and the ticket moves queue when the rules say so (TicketRecategorized, TicketQueued). The same category again changes nothing.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  async recategorize(
    @Param('id', new ParseUUIDPipe({ version: '4' })) ticketId: string,
    @Body() request: RecategorizeRequest,
    @CurrentActor() actor: AuthenticatedActor,
  ): Promise<RoutedTicketResponse> {
    const routed = await this.commands.recategorize(ticketId, request.category, request.reason ?? null, {
      actor: toEventActor(actor),
      correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
    });
    return { ticketId, queue: routed.queue ?? '', category: routed.category, priority: routed.priority, confidence: routed.confidence, signals: [...routed.signals] };
  }

  @Get('tickets/:id')
  @Roles(...STAFF, 'auditor', 'ops')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(404)
  @Operation('getTicketRouting', { summary: 'A ticket’s category, priority, queue and signals', description: 'Staff, auditors and ops.' })
  @ApiOkResponse({ type: RoutedTicketResponse })
  async ticket(@Param('id', new ParseUUIDPipe({ version: '4' })) ticketId: string): Promise<RoutedTicketResponse> {
    return toRoutedTicketResponse(await this.board.ticket(ticketId));
  }

  @Get('queues')
  @Roles(...STAFF, 'ops')
  @Operation('listQueues', { summary: 'Queue depths and oldest waits', description: 'Staff and ops. Only queues with waiting tickets are listed.' })
  @ApiOkResponse({ type: QueueListResponse })
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

  @Get('queues/:queue')
  @Roles(...STAFF, 'ops')
  @ApiParam({ name: 'queue', schema: { type: 'string', pattern: QUEUE_NAME.source, maxLength: 64 }, example: 'security-emergency' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } })
  @ApiProblems(400)
  @Operation('listQueueTickets', { summary: 'The tickets waiting in a queue', description: 'Staff and ops. In the order they should be taken: priority, then age.' })
  @ApiOkResponse({ type: WaitingTicketsResponse })
  async waiting(@Param('queue') queue: string, @Query('limit') limit?: string): Promise<WaitingTicketsResponse> {
    if (!QUEUE_NAME.test(queue)) throw new ValidationError('queue is 1–64 lower-case letters, digits or dashes', [{ field: 'queue', message: 'must match ^[a-z0-9-]{1,64}$' }]);
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 200) throw new ValidationError('limit is an integer from 1 to 200', [{ field: 'limit', message: 'must be an integer from 1 to 200' }]);
    const rows = await this.board.waitingIn(queue, size);
    return { queue, tickets: rows.map(toRoutedTicketResponse) };
  }
}
