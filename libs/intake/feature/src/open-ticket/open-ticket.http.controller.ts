import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { newId } from '@ticketing/kernel';
import { CorrelationContext, CurrentActor, Roles, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { TicketResponse } from '../ticket.response.dto';
import { OpenTicketHandler } from './open-ticket.handler';
import { OpenTicketRequest } from './open-ticket.request.dto';

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class OpenTicketHttpController {
  constructor(private readonly handler: OpenTicketHandler) {}

  @Post()
  @HttpCode(201)
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin')
  @ApiOperation({
    summary: 'Open a ticket',
    description: 'Roles: customer (for themselves), agent, supervisor, service, admin (on behalf of `customerId`).',
  })
  @ApiCreatedResponse({ type: TicketResponse })
  open(@Body() request: OpenTicketRequest, @CurrentActor() actor: AuthenticatedActor): Promise<TicketResponse> {
    return this.handler.execute({
      request,
      actor: toEventActor(actor),
      correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
    });
  }
}
