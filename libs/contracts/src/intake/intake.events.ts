import type { Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';

export const CHANNELS = ['chat', 'email', 'web_form', 'social', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The eight languages support is staffed for. */
export const LANGUAGES = ['en', 'zh', 'ru', 'es', 'tr', 'vi', 'ko', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

export const SOCIAL_PLATFORMS = ['x', 'telegram', 'facebook', 'instagram', 'reddit', 'youtube', 'tiktok', 'discord', 'other'] as const;
export type SocialPlatform = (typeof SOCIAL_PLATFORMS)[number];

/** Channels whose messages have no subject of their own: one is derived from the body when none is given. */
export const CHANNELS_WITHOUT_SUBJECT = ['chat', 'social', 'api'] as const satisfies readonly Channel[];

/** What each channel brings besides subject and body. */
export type ChannelDetails =
  | Readonly<{ channel: 'chat'; sessionId: string }>
  | Readonly<{ channel: 'email'; fromAddress: string; messageId: string; inReplyTo?: string }>
  | Readonly<{ channel: 'web_form'; formId: string }>
  | Readonly<{ channel: 'social'; platform: SocialPlatform; handle: string; postUrl: string }>
  | Readonly<{ channel: 'api'; clientId: string; externalReference?: string }>;

/** Optional context of a money or trading problem, kept for routing and disputes. Amount is a decimal string. */
export type AssetContext = Readonly<{
  asset?: string;
  network?: string;
  amount?: string;
  txHash?: string;
  orderId?: string;
}>;

export type TicketStatus = 'open' | 'assigned' | 'in_progress' | 'waiting_on_customer' | 'resolved' | 'closed' | 'merged';

/** The first shape of TicketOpened (schema version 1), before channels carried their own details. */
export type TicketOpenedV1 = Event<
  'TicketOpened',
  {
    ticketId: string;
    customerId: string;
    channel: Channel;
    subject: string;
    body: string;
    language: Language;
    openedAt: string;
  }
>;

export type TicketOpened = Event<
  'TicketOpened',
  {
    ticketId: string;
    customerId: string;
    channel: Channel;
    /** Null only on tickets opened before channels carried details (upcast from version 1). */
    channelDetails: ChannelDetails | null;
    /** As given, or derived from the body when the channel has none (see subjectDerived). */
    subject: string;
    /** True when the customer gave no subject and it was derived from the body. */
    subjectDerived: boolean;
    body: string;
    /** The language the ticket is handled in: the customer's if given, else the detected one, else en. */
    language: Language;
    languageGiven: Language | null;
    /** What detection found (any ISO 639-1 code), or null when nothing was detected or it was not run. */
    detectedLanguage: string | null;
    /** True when neither given nor detected language is supported and en was chosen. */
    languageFallback: boolean;
    assetContext: AssetContext | null;
    /** Set when a customer wrote to a closed ticket, or after the reopen window: the ticket this one continues. */
    linkedFromTicketId: string | null;
    /**
     * The customer's support session in the frontend (the knowledge base's `sessionId`) when the
     * ticket was opened after suggestions: such a ticket counts as not deflected. Absent otherwise.
     */
    sessionId?: string;
    openedAt: string;
  }
>;

/** The customer marked an article as "this solved it": the ticket resolves as self-served, a deflection. */
export type TicketSelfServed = Event<
  'TicketSelfServed',
  { ticketId: string; articleId: string; sessionId: string | null; by: string; resolvedAt: string; autoCloseAt: string }
>;

export type TicketAssigned = Event<'TicketAssigned', { ticketId: string; assignee: string; assignedAt: string }>;

/**
 * The person holding the ticket no longer does (routing released it: `reason` is routing's, e.g.
 * `released`, `transferred`, `escalated`, `agent_unavailable`, `agent_retired`). An assigned ticket
 * goes back to open; one in progress or waiting on the customer keeps its status, without assignee.
 */
export type TicketUnassigned = Event<'TicketUnassigned', { ticketId: string; previousAssignee: string; reason: string; at: string }>;

export type TicketProgressStarted = Event<'TicketProgressStarted', { ticketId: string; by: string; at: string }>;

export type TicketWaitingOnCustomer = Event<'TicketWaitingOnCustomer', { ticketId: string; by: string; at: string }>;

export type TicketResolved = Event<
  'TicketResolved',
  { ticketId: string; resolutionCode: string; by: string; resolvedAt: string; autoCloseAt: string }
>;

export type TicketReopened = Event<
  'TicketReopened',
  { ticketId: string; reason: 'customer_reply' | 'agent'; by: string; reopenedAt: string }
>;

export type TicketClosed = Event<
  'TicketClosed',
  { ticketId: string; reason: 'manual' | 'auto_after_resolution'; by: string; closedAt: string }
>;

export type CustomerMessagePosted = Event<
  'CustomerMessagePosted',
  { ticketId: string; messageId: string; customerId: string; body: string; postedAt: string; externalMessageId?: string }
>;

export type AgentReplied = Event<
  'AgentReplied',
  { ticketId: string; messageId: string; agentId: string; body: string; postedAt: string }
>;

export type InternalNoteAdded = Event<
  'InternalNoteAdded',
  { ticketId: string; noteId: string; agentId: string; body: string; addedAt: string }
>;

/** The first public agent reply; the SLA service measures first response with it. */
export type FirstResponseGiven = Event<
  'FirstResponseGiven',
  { ticketId: string; agentId: string; channel: Channel; openedAt: string; respondedAt: string; elapsedSeconds: number }
>;

/** The last event of a duplicate's stream: reads of it redirect to `intoTicketId`. */
export type TicketMerged = Event<'TicketMerged', { ticketId: string; intoTicketId: string; by: string; mergedAt: string }>;

/** Every event on intake's `ticket-<id>` streams, as other contexts may consume them (current versions). */
export type IntakeEvent =
  | TicketOpened
  | TicketAssigned
  | TicketUnassigned
  | TicketProgressStarted
  | TicketWaitingOnCustomer
  | TicketResolved
  | TicketSelfServed
  | TicketReopened
  | TicketClosed
  | CustomerMessagePosted
  | AgentReplied
  | InternalNoteAdded
  | FirstResponseGiven
  | TicketMerged;

export const INTAKE_EVENT_TYPES = [
  'TicketOpened',
  'TicketAssigned',
  'TicketUnassigned',
  'TicketProgressStarted',
  'TicketWaitingOnCustomer',
  'TicketResolved',
  'TicketSelfServed',
  'TicketReopened',
  'TicketClosed',
  'CustomerMessagePosted',
  'AgentReplied',
  'InternalNoteAdded',
  'FirstResponseGiven',
  'TicketMerged',
] as const satisfies readonly IntakeEvent['type'][];

/** Version 3 added `subjectDerived`; version 2 added channel details, language resolution, asset context and links. */
export const TICKET_OPENED_SCHEMA_VERSION = 3;

/** TicketOpened as version 2 stored it: every subject was given. */
export type TicketOpenedV2 = Event<'TicketOpened', Omit<TicketOpened['data'], 'subjectDerived'>>;

/**
 * Upcasts any stored TicketOpened to the current shape; stored data is never rewritten. Channel
 * details and asset context are read defensively: before they were validated as objects, arrays
 * and incomplete details were stored, and they read as null (or only their well-formed fields).
 */
export function upcastTicketOpened(event: TicketOpened | TicketOpenedV2 | TicketOpenedV1): TicketOpened {
  const data: Partial<TicketOpened['data']> & TicketOpenedV1['data'] =
    event.schemaVersion >= 2
      ? { subjectDerived: false, ...(event as TicketOpenedV2).data }
      : {
          ...(event as TicketOpenedV1).data,
          subjectDerived: false,
          channelDetails: null,
          languageGiven: event.data.language,
          detectedLanguage: null,
          languageFallback: false,
          assetContext: null,
          linkedFromTicketId: null,
        };
  return {
    type: 'TicketOpened',
    schemaVersion: TICKET_OPENED_SCHEMA_VERSION,
    data: {
      ...(data as TicketOpened['data']),
      channelDetails: wellFormedChannelDetails(data.channel, data.channelDetails),
      assetContext: wellFormedAssetContext(data.assetContext),
    },
  };
}

const REQUIRED_DETAILS: Readonly<Record<Channel, readonly string[]>> = {
  chat: ['sessionId'],
  email: ['fromAddress', 'messageId'],
  web_form: ['formId'],
  social: ['platform', 'handle', 'postUrl'],
  api: ['clientId'],
};
const OPTIONAL_DETAILS: Readonly<Record<Channel, readonly string[]>> = { chat: [], email: ['inReplyTo'], web_form: [], social: [], api: ['externalReference'] };
const ASSET_CONTEXT_FIELDS = ['asset', 'network', 'amount', 'txHash', 'orderId'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringFields = (value: Record<string, unknown>, names: readonly string[]) =>
  Object.fromEntries(names.filter((name) => typeof value[name] === 'string').map((name) => [name, value[name]]));

/** Stored channel details as a well-formed ChannelDetails of `channel`, or null when they are not. */
export function wellFormedChannelDetails(channel: Channel, details: unknown): ChannelDetails | null {
  if (!isRecord(details) || details['channel'] !== channel || !(channel in REQUIRED_DETAILS)) return null;
  const required = stringFields(details, REQUIRED_DETAILS[channel]);
  if (Object.keys(required).length !== REQUIRED_DETAILS[channel].length) return null;
  if (channel === 'social' && !(SOCIAL_PLATFORMS as readonly unknown[]).includes(required['platform'])) return null;
  return { channel, ...required, ...stringFields(details, OPTIONAL_DETAILS[channel]) } as ChannelDetails;
}

/** A stored asset context with only its well-formed fields, or null when none is left. */
export function wellFormedAssetContext(context: unknown): AssetContext | null {
  if (!isRecord(context)) return null;
  const fields = stringFields(context, ASSET_CONTEXT_FIELDS);
  return Object.keys(fields).length === 0 ? null : fields;
}

/** Brings any stored intake event to its current shape (the one place upcasters are applied). */
export function upcastIntakeEvent(event: Event): IntakeEvent {
  return event.type === 'TicketOpened' ? upcastTicketOpened(event as TicketOpened | TicketOpenedV2 | TicketOpenedV1) : (event as IntakeEvent);
}

/** Intake owns each ticket's `ticket-<id>` stream: lifecycle, conversation, self-service. */
export const INTAKE_CONTRACT = {
  name: 'intake',
  streamPrefixes: ['ticket-'],
  eventTypes: INTAKE_EVENT_TYPES,
  upcast: upcastIntakeEvent,
  // Agents' notes to each other: a customer reading them would see what staff say about them.
  staffOnlyEventTypes: ['InternalNoteAdded'],
  // What the customer wrote and how to reach them; ids, channel, language and times stay readable for SLA and metrics.
  personalData: {
    TicketOpened: {
      subject: { field: 'customerId' },
      fields: ['subject', 'body', 'channelDetails.fromAddress', 'channelDetails.handle', 'channelDetails.postUrl', 'assetContext.txHash'],
    },
    CustomerMessagePosted: { subject: { field: 'customerId' }, fields: ['body'] },
    AgentReplied: { subject: 'ticket', fields: ['body'] },
    InternalNoteAdded: { subject: 'ticket', fields: ['body'] },
  },
} as const satisfies ContextContract;
