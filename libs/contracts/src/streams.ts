/** Stream names per owning context (DESIGN.md §3): one stream per ticket per context. */
export const streams = {
  ticket: (ticketId: string) => `ticket-${ticketId}`,
  routing: (ticketId: string) => `routing-${ticketId}`,
} as const;

/** Stream-name prefixes each context owns; relays and filters select by them. */
export const STREAM_PREFIXES = {
  intake: ['ticket-'],
  routing: ['routing-'],
  sla: ['sla-'],
  disputes: ['dispute-', 'recovery-'],
} as const;

export type ContextName = keyof typeof STREAM_PREFIXES;

/** Kafka topic of each context's events; key = ticket id so per-ticket order holds. */
export const topicOf = (context: ContextName): string => `ticketing.${context}.events`;

/** The context owning a stream, by its prefix, or undefined for streams outside any context. */
export function contextOfStream(streamName: string): ContextName | undefined {
  for (const [context, prefixes] of Object.entries(STREAM_PREFIXES) as [ContextName, readonly string[]][]) {
    if (prefixes.some((prefix) => streamName.startsWith(prefix))) return context;
  }
  return undefined;
}
