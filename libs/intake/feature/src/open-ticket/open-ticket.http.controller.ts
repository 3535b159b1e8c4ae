import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { newId } from '@ticketing/kernel';
import { ApiProblems, CorrelationContext, CurrentActor, Idempotent, Operation, Roles, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { TicketCommandsService } from '../application/ticket-commands.service';
import { TicketViewsService } from '../application/ticket-views.service';
import { OpenedTicketResponse, TicketResponse } from '../ticket.response.dto';
import { TicketSuggestionsService } from './ticket-suggestions.service';
import { toOpenTicketInput } from './open-ticket.mapper';
import { OpenTicketRequest } from './open-ticket.request.dto';

type StatusReply = { status(code: number): unknown };

@ApiTags('tickets')
@ApiProblems(409)
@ApiBearerAuth()
@Controller('tickets')
export class OpenTicketHttpController {
  constructor(
    private readonly commands: TicketCommandsService,
    private readonly views: TicketViewsService,
    private readonly suggestions: TicketSuggestionsService,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin')
  @Operation('openTicket', {
    summary: 'Open a ticket',
    description:
      'Roles: customer (for themselves); agent, supervisor, service, admin (on behalf of `customerId`). Each channel requires its ' +
      'details object; `subject` is required for email and web_form only. An e-mail whose `inReplyTo` names a message of one of the customer’s tickets threads onto it (200).',
  })
  @ApiCreatedResponse({ type: OpenedTicketResponse, description: 'Opened, with knowledge-base suggestions' })
  @ApiOkResponse({ type: TicketResponse, description: 'An e-mail reply threaded onto an existing ticket' })
  async open(
    @Body() request: OpenTicketRequest,
    @CurrentActor() actor: AuthenticatedActor,
    @Res({ passthrough: true }) reply: StatusReply,
  ): Promise<TicketResponse | OpenedTicketResponse> {
    const outcome = await this.commands.open(toOpenTicketInput(request), {
      actor: toEventActor(actor),
      correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
    });
    const ticket = await this.views.afterWrite(outcome, actor);
    if (outcome.threaded) {
      reply.status(200);
      return ticket;
    }
    return { ...ticket, suggestions: await this.suggestions.forOpened(request, ticket) };
  }
}
