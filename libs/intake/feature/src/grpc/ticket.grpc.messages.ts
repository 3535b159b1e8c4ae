/**
 * The TicketService messages as @grpc/proto-loader hands them over with `protoLoaderOptions()`:
 * camelCase fields, enums by name, int64 as strings, unset message fields null, unset `optional`
 * scalars absent, and a virtual property naming the set member of each oneof.
 * (Hand-written: the .proto in libs/contracts is the source of truth; keep the two in step.)
 */

import type { EnumValue, TimestampMessage } from '@ticketing/platform';

/** google.protobuf.Timestamp (shared by every context's gRPC); an enum value by name, a number when the sender used a value this .proto does not know. */
export type { EnumValue, TimestampMessage };

export type ChatDetailsMessage = Readonly<{ sessionId: string }>;
export type EmailDetailsMessage = Readonly<{ fromAddress: string; messageId: string; inReplyTo?: string }>;
export type WebFormDetailsMessage = Readonly<{ formId: string }>;
export type SocialDetailsMessage = Readonly<{ platform: EnumValue; handle: string; postUrl: string }>;
export type ApiDetailsMessage = Readonly<{ clientId: string; externalReference?: string }>;

/** The `channel_details` oneof: at most one member is set. */
export type ChannelDetailsMessage = Readonly<{
  chat?: ChatDetailsMessage | null;
  email?: EmailDetailsMessage | null;
  webForm?: WebFormDetailsMessage | null;
  social?: SocialDetailsMessage | null;
  api?: ApiDetailsMessage | null;
}>;

export type AssetContextMessage = Readonly<{ asset?: string; network?: string; amount?: string; txHash?: string; orderId?: string }>;

export type TicketMessage = ChannelDetailsMessage &
  Readonly<{
    id: string;
    status: EnumValue;
    channel: EnumValue;
    language: EnumValue;
    languageGiven?: EnumValue;
    detectedLanguage?: string;
    languageFallback: boolean;
    queue?: string;
    category?: string;
    priority?: string;
    assignee?: string;
    customerId: string;
    subject: string;
    assetContext?: AssetContextMessage | null;
    linkedFromTicketId?: string;
    mergedInto?: string;
    resolutionCode?: string;
    createdAt: TimestampMessage;
    updatedAt: TimestampMessage;
    firstResponseAt?: TimestampMessage | null;
    firstResponseSeconds?: string | number;
    resolvedAt?: TimestampMessage | null;
    autoCloseAt?: TimestampMessage | null;
    closedAt?: TimestampMessage | null;
    messageCounts: Readonly<{ customer: number; agent: number; notes?: number }>;
  }>;

export type OpenTicketMessage = ChannelDetailsMessage &
  Readonly<{
    channel: EnumValue;
    subject?: string;
    body: string;
    language?: EnumValue;
    customerId?: string;
    assetContext?: AssetContextMessage | null;
    sessionId?: string;
  }>;

export type ArticleSuggestionMessage = Readonly<{ id: string; title: string; category: string; score: number; url: string }>;
export type OpenTicketResponseMessage = Readonly<{ ticket: TicketMessage; threaded: boolean; suggestions: ArticleSuggestionMessage[] }>;

export type TicketIdMessage = Readonly<{ ticketId: string }>;

export type ListTicketsMessage = Readonly<{
  status?: EnumValue;
  channel?: EnumValue;
  language?: EnumValue;
  queue?: string;
  assignee?: string;
  customerId?: string;
  createdFrom?: TimestampMessage | null;
  createdTo?: TimestampMessage | null;
  limit?: number;
  cursor?: string;
}>;

export type TicketPageMessage = Readonly<{ items: TicketMessage[]; nextCursor?: string }>;

export type BodyMessage = TicketIdMessage & Readonly<{ body: string }>;
export type PostMessageResponseMessage = Readonly<{ ticket: TicketMessage; messageId?: string; linkedTicketCreated: boolean }>;
export type ResolveTicketMessage = TicketIdMessage & Readonly<{ resolutionCode: string }>;
export type SelfServeTicketMessage = TicketIdMessage & Readonly<{ articleId: string; sessionId?: string }>;
export type MergeTicketMessage = TicketIdMessage & Readonly<{ intoTicketId: string }>;

export type ConversationMessage = Readonly<{ id: string; kind: EnumValue; authorId: string; body: string; postedAt: TimestampMessage }>;
export type ListMessagesResponseMessage = Readonly<{ messages: ConversationMessage[] }>;

export type WatchTicketMessage = TicketIdMessage & Readonly<{ fromPosition?: string | number }>;
export type TicketChangeMessage = Readonly<{
  eventType: string;
  globalPosition: string;
  occurredAt: TimestampMessage;
  ticket: TicketMessage;
}>;
