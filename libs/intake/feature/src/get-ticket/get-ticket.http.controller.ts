import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { TicketResponse } from '../ticket.response.dto';
import { TicketListQuery } from '../ticket-list/ticket-list.query';

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class GetTicketHttpController {
  constructor(private readonly tickets: TicketListQuery) {}

  @Get(':id')
  @Roles('customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin')
  @ApiOperation({ summary: 'Get a ticket', description: 'Customers see only their own tickets (others are 404).' })
  @ApiOkResponse({ type: TicketResponse })
  @ApiNotFoundResponse({ description: 'No such ticket, or not the caller’s' })
  get(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: AuthenticatedActor): Promise<TicketResponse> {
    return this.tickets.getVisible(id, actor);
  }
}
