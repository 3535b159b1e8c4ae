import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@ticketing/kernel';
import { ApiProblems, ApiUuidParam, CurrentActor, Idempotent, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { RoutingApiService } from '../routing-api.service';
import { ClassifyRequest, ClassifyResponse, QueueListResponse, RecategorizeRequest, RoutedTicketResponse, WaitingTicketsResponse } from './routing.dto';

const STAFF = ['agent', 'supervisor', 'admin'] as const;
const QUEUE_NAME = /^[a-z0-9-]{1,64}$/;

@ApiTags('routing')
@ApiBearerAuth()
@Controller('routing')
export class RoutingHttpController {
  constructor(private readonly routing: RoutingApiService) {}

  @Post('classify')
  @HttpCode(200)
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin', 'auditor', 'ops')
  @Operation('classifyText', {
    summary: 'Classify a text before a ticket exists',
    description: 'Any authenticated role. Answers the category, priority and language the ticket would get; creates nothing (frontends use it for pre-submit hints).',
  })
  @ApiOkResponse({ type: ClassifyResponse })
  classify(@Body() request: ClassifyRequest): Promise<ClassifyResponse> {
    return this.routing.classify(request);
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
    @Param('id', new ParseUUIDPipe()) ticketId: string,
    @Body() request: RecategorizeRequest,
    @CurrentActor() actor: AuthenticatedActor,
  ): Promise<RoutedTicketResponse> {
    return this.routing.recategorize(ticketId, request.category, request.reason ?? null, actor);
  }

  @Get('tickets/:id')
  @Roles(...STAFF, 'auditor', 'ops')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(404)
  @Operation('getTicketRouting', {
    summary: 'A ticket’s category, priority, queue and signals',
    description: 'Staff, auditors and ops. Also who holds it, whether it waits, is assigned or finished, and its transfers; read from its routing stream, never behind a write just made.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  ticket(@Param('id', new ParseUUIDPipe()) ticketId: string): Promise<RoutedTicketResponse> {
    return this.routing.ticket(ticketId);
  }

  @Get('queues')
  @Roles(...STAFF, 'ops')
  @Operation('listQueues', { summary: 'Queue depths and oldest waits', description: 'Staff and ops. Only queues with waiting tickets are listed.' })
  @ApiOkResponse({ type: QueueListResponse })
  queues(): Promise<QueueListResponse> {
    return this.routing.queues();
  }

  @Get('queues/:queue')
  @Roles(...STAFF, 'ops')
  @ApiParam({ name: 'queue', schema: { type: 'string', pattern: QUEUE_NAME.source, maxLength: 64 }, example: 'security-emergency' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 200, default: 50 } })
  @ApiProblems(400)
  @Operation('listQueueTickets', {
    summary: 'The tickets waiting in a queue',
    description:
      'Staff and ops. In the order the dispatcher takes them: priority, then SLA due time, then age; each with its earliest SLA due time and why no agent has it (`1 full (3 chat), 2 offline`). A queue no rule places tickets in, and none was ever routed to, is a 404.',
  })
  @ApiOkResponse({ type: WaitingTicketsResponse })
  async waiting(@Param('queue') queue: string, @Query('limit') limit?: string): Promise<WaitingTicketsResponse> {
    if (!QUEUE_NAME.test(queue)) throw new ValidationError('queue is 1–64 lower-case letters, digits or dashes', [{ field: 'queue', message: 'must match ^[a-z0-9-]{1,64}$' }]);
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 200) throw new ValidationError('limit is an integer from 1 to 200', [{ field: 'limit', message: 'must be an integer from 1 to 200' }]);
    return this.routing.waiting(queue, size);
  }
}
