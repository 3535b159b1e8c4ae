import { Body, Controller, HttpCode, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { newId, ValidationError } from '@ticketing/kernel';
import type { ChannelDetails } from '@ticketing/contracts';
import { ApiProblems, CorrelationContext, CurrentActor, IdempotencyInterceptor, Roles, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { TicketCommandsService } from '../application/ticket-commands.service';
import { TicketViewsService } from '../application/ticket-views.service';
import { TicketResponse } from '../ticket.response.dto';
import { OpenTicketRequest } from './open-ticket.request.dto';

type StatusReply = { status(code: number): unknown };

const DETAIL_FIELDS = { chat: 'chat', email: 'email', web_form: 'webForm', social: 'social', api: 'api' } as const;

/** The one details object matching the channel; details of another channel are a mistake, not noise. */
export function channelDetailsOf(request: OpenTicketRequest): ChannelDetails {
  const foreign = Object.entries(DETAIL_FIELDS).filter(([channel, field]) => channel !== request.channel && request[field] !== undefined);
  if (foreign.length > 0) {
    throw new ValidationError(`Details of another channel given for channel ${request.channel}`, foreign.map(([, field]) => ({ field, message: `only for channel ${field}` })));
  }
  switch (request.channel) {
    case 'chat':
      return { channel: 'chat', sessionId: request.chat!.sessionId };
    case 'email': {
      const { fromAddress, messageId, inReplyTo } = request.email!;
      return { channel: 'email', fromAddress, messageId, ...(inReplyTo !== undefined && { inReplyTo }) };
    }
    case 'web_form':
      return { channel: 'web_form', formId: request.webForm!.formId };
    case 'social': {
      const { platform, handle, postUrl } = request.social!;
      return { channel: 'social', platform, handle, postUrl };
    }
    case 'api': {
      const { clientId, externalReference } = request.api!;
      return { channel: 'api', clientId, ...(externalReference !== undefined && { externalReference }) };
    }
  }
}

@ApiTags('tickets')
@ApiProblems(400, 401, 403, 409, 413, 415, 422)
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body → the first response again; another body → 422' })
@Controller('tickets')
@UseInterceptors(IdempotencyInterceptor)
export class OpenTicketHttpController {
  constructor(
    private readonly commands: TicketCommandsService,
    private readonly views: TicketViewsService,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin')
  @ApiOperation({
    summary: 'Open a ticket',
    description:
      'Roles: customer (for themselves); agent, supervisor, service, admin (on behalf of `customerId`). Each channel requires its ' +
      'details object. An e-mail whose `inReplyTo` names a message of one of the customer’s tickets threads onto it (200).',
  })
  @ApiCreatedResponse({ type: TicketResponse, description: 'Opened' })
  @ApiOkResponse({ type: TicketResponse, description: 'An e-mail reply threaded onto an existing ticket' })
  async open(
    @Body() request: OpenTicketRequest,
    @CurrentActor() actor: AuthenticatedActor,
    @Res({ passthrough: true }) reply: StatusReply,
  ): Promise<TicketResponse> {
    const { assetContext } = request;
    const outcome = await this.commands.open(
      {
        customerId: request.customerId,
        channel: request.channel,
        channelDetails: channelDetailsOf(request),
        subject: request.subject,
        body: request.body,
        language: request.language,
        ...(assetContext && { assetContext: { ...assetContext } }),
      },
      { actor: toEventActor(actor), correlationId: CorrelationContext.currentCorrelationId() ?? newId() },
    );
    if (outcome.threaded) reply.status(200);
    return this.views.afterWrite(outcome, actor);
  }
}
