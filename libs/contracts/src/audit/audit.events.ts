import type { ContextContract } from '../context-contract';

/** Audit only reads every other context's streams: it owns none and publishes nothing yet. */
export const AUDIT_CONTRACT = { name: 'audit', streamPrefixes: [], eventTypes: [] } as const satisfies ContextContract;
