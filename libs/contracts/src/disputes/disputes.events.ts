import type { ContextContract } from '../context-contract';

/** Dispute evidence: `dispute-<ticketId>` and `recovery-<ticketId>`. No events are published yet. */
export const DISPUTES_CONTRACT = { name: 'disputes', streamPrefixes: ['dispute-', 'recovery-'], eventTypes: [] } as const satisfies ContextContract;
