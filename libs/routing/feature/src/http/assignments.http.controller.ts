import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParam, CurrentActor, Idempotent, Operation, Roles, validated, type AuthenticatedActor } from '@ticketing/platform';
import { PeopleApiService } from '../people-api.service';
import { AssignTicketRequest, EscalateTicketRequest, ReleaseTicketRequest, TransferTicketRequest } from './agents.dto';
import { MyTicketsResponse, RoutedTicketResponse } from './routing.dto';

/** Tickets and people over REST: assign, claim, release, transfer, escalate, and an agent's own tickets. */
@ApiTags('routing')
@ApiBearerAuth()
@Controller('routing')
export class AssignmentsHttpController {
  constructor(private readonly people: PeopleApiService) {}

  @Post('tickets/:id/assign')
  @Idempotent()
  @HttpCode(200)
  @Roles('supervisor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(409)
  @Operation('assignTicket', {
    summary: 'Give a ticket to an agent',
    description:
      'Supervisors, admins. The agent must be online, hold the clearances of the ticket’s queue and have room on its channel: otherwise a 409 naming the limit (TicketAssignedToAgent with rule `manual`; the agent’s capacity is reserved first, AgentTicketTaken). A ticket another agent holds is a 409: release or transfer it first.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  assign(@Param('id', new ParseUUIDPipe()) ticketId: string, @Body() request: AssignTicketRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    return this.people.assign(ticketId, request.agentId, request.reason, actor);
  }

  @Post('tickets/:id/claim')
  @Idempotent()
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(409)
  @Operation('claimTicket', {
    summary: 'Take a waiting ticket',
    description:
      'Agents and supervisors with an agent profile, for themselves. The queue’s clearances are needed (403 otherwise); over its capacity never (409 naming the limit); a ticket someone holds is a 409.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  claim(@Param('id', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    return this.people.claim(ticketId, actor);
  }

  @Post('tickets/:id/release')
  @Idempotent()
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(409)
  @ApiBody({ type: ReleaseTicketRequest, required: false })
  @Operation('releaseTicket', {
    summary: 'Give a ticket back to its queue',
    description: 'The agent holding it, supervisors and admins (another agent’s ticket is a 403). A ticket nobody holds is a 409. The body is optional.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  async release(@Param('id', new ParseUUIDPipe()) ticketId: string, @Body() body: unknown, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const request = await validated(ReleaseTicketRequest, (body ?? {}) as Record<string, unknown>);
    return this.people.release(ticketId, request.reason, actor);
  }

  @Post('tickets/:id/transfer')
  @Idempotent()
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(409)
  @Operation('transferTicket', {
    summary: 'Move a ticket to another queue or agent',
    description:
      'The agent holding it (or, waiting, an agent cleared for its queue), supervisors and admins. To a queue the rules know (an unknown one is a 400) and/or an agent (assigned through its capacity, online or not: a full one is a 409 and nothing moves). TicketTransferred, counted against first-contact resolution. A resolved or closed ticket is a 409.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  transfer(@Param('id', new ParseUUIDPipe()) ticketId: string, @Body() request: TransferTicketRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    return this.people.transfer(ticketId, { toQueue: request.toQueue, toAgentId: request.toAgentId }, request.reason, actor);
  }

  @Post('tickets/:id/escalate')
  @Idempotent()
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(409)
  @Operation('escalateTicket', {
    summary: 'Escalate a ticket to the supervisors',
    description:
      'Staff: the agent holding it (or, waiting, an agent cleared for its queue), supervisors and admins. Priority one step up (an emergency stays one), to the supervisors’ queue; a holder without the supervisor clearance lets go (TicketEscalated). A resolved or closed ticket is a 409.',
  })
  @ApiOkResponse({ type: RoutedTicketResponse })
  escalate(@Param('id', new ParseUUIDPipe()) ticketId: string, @Body() request: EscalateTicketRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    return this.people.escalate(ticketId, request.reason, actor);
  }

  @Get('my-tickets')
  @Roles('agent', 'supervisor')
  @Operation('listMyTickets', { summary: 'The tickets I hold', description: 'Agents and supervisors: the open tickets the caller holds, oldest assignment first.' })
  @ApiOkResponse({ type: MyTicketsResponse })
  mine(@CurrentActor() actor: AuthenticatedActor): Promise<MyTicketsResponse> {
    return this.people.myTickets(actor);
  }
}
