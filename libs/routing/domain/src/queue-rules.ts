import { assertNever } from '@ticketing/kernel';
import type { Channel, Language } from '@ticketing/contracts';

export type QueueChoice = Readonly<{ queue: string; rule: string }>;

/**
 * The first routing rule: a queue per channel family and language, because agents are staffed by
 * language and live chat needs a 5-minute first response while e-mail and forms can wait minutes more.
 * Public social complaints go to one escalation desk: they are at least high priority in any language.
 */
export function chooseQueue(channel: Channel, language: Language): QueueChoice {
  switch (channel) {
    case 'chat':
      return { queue: `chat-${language}`, rule: 'live-chat-by-language' };
    case 'social':
      return { queue: 'social-escalations', rule: 'public-complaint' };
    case 'email':
    case 'web_form':
    case 'api':
      return { queue: `tickets-${language}`, rule: 'async-by-language' };
    default:
      return assertNever(channel);
  }
}

