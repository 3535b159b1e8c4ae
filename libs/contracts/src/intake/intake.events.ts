import type { Event } from '@ticketing/kernel';

export const CHANNELS = ['chat', 'email', 'web_form', 'social', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The eight languages support is staffed for. */
export const LANGUAGES = ['en', 'zh', 'ru', 'es', 'tr', 'vi', 'ko', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

export type TicketOpened = Event<
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

/** Every event on intake's `ticket-<id>` streams, as other contexts may consume them. */
export type IntakeEvent = TicketOpened;

export const INTAKE_EVENT_TYPES = ['TicketOpened'] as const satisfies readonly IntakeEvent['type'][];
