import { assertNever } from '@ticketing/kernel';
import { protoEnum, toOptionalTimestamp, toTimestamp } from '@ticketing/platform';
import { wellFormedAssetContext, wellFormedChannelDetails, type AssetContext, type ChannelDetails } from '@ticketing/contracts';
import type { MessageResponse, TicketResponse } from '../ticket.response.dto';
import type {
  AssetContextMessage,
  ChannelDetailsMessage,
  ConversationMessage,
  ListTicketsMessage,
  OpenTicketMessage,
  TicketMessage,
  TimestampMessage,
} from './ticket.grpc.messages';

export const ticketStatusEnum = protoEnum('TICKET_STATUS_');
export const channelEnum = protoEnum('CHANNEL_');
export const languageEnum = protoEnum('LANGUAGE_');
export const socialPlatformEnum = protoEnum('SOCIAL_PLATFORM_');
export const messageKindEnum = protoEnum('MESSAGE_KIND_');

export { toOptionalTimestamp, toTimestamp };

/** RFC 3339 with milliseconds, as REST takes it; a Timestamp out of Date's range gives an invalid string the DTO rejects. */
export function fromTimestamp(timestamp: TimestampMessage): string {
  const date = new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000));
  return Number.isNaN(date.getTime()) ? String(timestamp.seconds) : date.toISOString();
}

/** Drops absent optional fields: the DTOs reject unknown keys and treat only missing ones as unset. */
function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

function channelDetailsMessage(details: ChannelDetails | null): ChannelDetailsMessage {
  if (details === null) return {};
  switch (details.channel) {
    case 'chat':
      return { chat: { sessionId: details.sessionId } };
    case 'email':
      return { email: defined({ fromAddress: details.fromAddress, messageId: details.messageId, inReplyTo: details.inReplyTo }) as ChannelDetailsMessage['email'] };
    case 'web_form':
      return { webForm: { formId: details.formId } };
    case 'social':
      return { social: { platform: socialPlatformEnum.toProto(details.platform), handle: details.handle, postUrl: details.postUrl } };
    case 'api':
      return { api: defined({ clientId: details.clientId, externalReference: details.externalReference }) as ChannelDetailsMessage['api'] };
    default:
      return assertNever(details);
  }
}

const assetContextMessage = (context: AssetContext | null): AssetContextMessage | undefined => (context === null ? undefined : defined({ ...context }));

/** The REST ticket resource as a `Ticket` message; REST's nulls become unset fields. */
export function toTicketMessage(ticket: TicketResponse): TicketMessage {
  return {
    id: ticket.id,
    status: ticketStatusEnum.toProto(ticket.status),
    channel: channelEnum.toProto(ticket.channel),
    language: languageEnum.toProto(ticket.language),
    ...(ticket.languageGiven !== null && { languageGiven: languageEnum.toProto(ticket.languageGiven) }),
    ...defined({
      detectedLanguage: ticket.detectedLanguage,
      queue: ticket.queue,
      category: ticket.category,
      priority: ticket.priority,
      assignee: ticket.assignee,
      linkedFromTicketId: ticket.linkedFromTicketId,
      mergedInto: ticket.mergedInto,
      resolutionCode: ticket.resolutionCode,
      firstResponseSeconds: ticket.firstResponseSeconds,
      assetContext: assetContextMessage(wellFormedAssetContext(ticket.assetContext)),
      firstResponseAt: toOptionalTimestamp(ticket.firstResponseAt),
      resolvedAt: toOptionalTimestamp(ticket.resolvedAt),
      autoCloseAt: toOptionalTimestamp(ticket.autoCloseAt),
      closedAt: toOptionalTimestamp(ticket.closedAt),
    }),
    languageFallback: ticket.languageFallback,
    customerId: ticket.customerId,
    subject: ticket.subject,
    ...channelDetailsMessage(wellFormedChannelDetails(ticket.channel, ticket.channelDetails)),
    createdAt: toTimestamp(ticket.createdAt),
    updatedAt: toTimestamp(ticket.updatedAt),
    messageCounts: { ...ticket.messageCounts },
  };
}

export const toConversationMessage = (message: MessageResponse): ConversationMessage => ({
  id: message.id,
  kind: messageKindEnum.toProto(message.kind),
  authorId: message.authorId,
  body: message.body,
  postedAt: toTimestamp(message.postedAt),
});

/** An OpenTicketRequest message in the shape of the REST body, for the same DTO and the same rules. */
export function openTicketBodyOf(message: OpenTicketMessage): Record<string, unknown> {
  const { chat, email, webForm, social, api, assetContext } = message;
  return defined({
    channel: channelEnum.fromProto(message.channel),
    subject: message.subject,
    body: message.body,
    language: message.language === undefined ? undefined : languageEnum.fromProto(message.language),
    customerId: message.customerId,
    sessionId: message.sessionId,
    chat: chat ? { sessionId: chat.sessionId } : undefined,
    email: email ? defined({ fromAddress: email.fromAddress, messageId: email.messageId, inReplyTo: email.inReplyTo }) : undefined,
    webForm: webForm ? { formId: webForm.formId } : undefined,
    social: social ? { platform: socialPlatformEnum.fromProto(social.platform), handle: social.handle, postUrl: social.postUrl } : undefined,
    api: api ? defined({ clientId: api.clientId, externalReference: api.externalReference }) : undefined,
    assetContext: assetContext
      ? defined({ asset: assetContext.asset, network: assetContext.network, amount: assetContext.amount, txHash: assetContext.txHash, orderId: assetContext.orderId })
      : undefined,
  });
}

/** A ListTicketsRequest message in the shape of the REST query. */
export function listTicketsQueryOf(message: ListTicketsMessage): Record<string, unknown> {
  return defined({
    status: message.status === undefined ? undefined : ticketStatusEnum.fromProto(message.status),
    channel: message.channel === undefined ? undefined : channelEnum.fromProto(message.channel),
    language: message.language === undefined ? undefined : languageEnum.fromProto(message.language),
    queue: message.queue,
    assignee: message.assignee,
    customerId: message.customerId,
    createdFrom: message.createdFrom ? fromTimestamp(message.createdFrom) : undefined,
    createdTo: message.createdTo ? fromTimestamp(message.createdTo) : undefined,
    limit: message.limit,
    cursor: message.cursor,
  });
}
