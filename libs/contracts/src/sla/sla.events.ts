import type { ContextContract } from '../context-contract';

/** SLA tracking: clocks per ticket (`sla-<ticketId>`) and the `sla-policy` stream. No events are published yet. */
export const SLA_CONTRACT = { name: 'sla', streamPrefixes: ['sla-'], singletonStreams: ['sla-policy'], eventTypes: [] } as const satisfies ContextContract;
