import { ValidationError } from '@ticketing/kernel';
import type { ChannelDetails } from '@ticketing/contracts';
import type { OpenTicketInput } from '../application/ticket-commands.service';
import type { OpenTicketRequest } from './open-ticket.request.dto';

const DETAIL_FIELDS = { chat: 'chat', email: 'email', web_form: 'webForm', social: 'social', api: 'api' } as const;

/** The one details object matching the channel; details of another channel are a mistake, not noise. */
export function channelDetailsOf(request: OpenTicketRequest): ChannelDetails {
  const foreign = Object.entries(DETAIL_FIELDS).filter(([channel, field]) => channel !== request.channel && request[field] !== undefined);
  if (foreign.length > 0) {
    throw new ValidationError(`Details of another channel given for channel ${request.channel}`, foreign.map(([channel, field]) => ({ field, message: `only for channel ${channel}` })));
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

/** One validated open request (REST or gRPC) as the application's input. */
export function toOpenTicketInput(request: OpenTicketRequest): OpenTicketInput {
  const { assetContext } = request;
  return {
    customerId: request.customerId,
    channel: request.channel,
    channelDetails: channelDetailsOf(request),
    ...(request.subject !== undefined && { subject: request.subject }),
    body: request.body,
    language: request.language,
    ...(assetContext && { assetContext: { ...assetContext } }),
    ...(request.sessionId !== undefined && { sessionId: request.sessionId }),
  };
}
