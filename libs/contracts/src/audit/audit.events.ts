import type { Actor, Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';

/** What an auditor read. */
export const AUDIT_OPERATIONS = ['history', 'state', 'diff', 'verify', 'export'] as const;
export type AuditOperation = (typeof AUDIT_OPERATIONS)[number];

/** Someone read a ticket's audit trail: who looked at what is auditable too. */
export type AuditAccessed = Event<
  'AuditAccessed',
  {
    who: Actor;
    what: Readonly<{ operation: AuditOperation; ticketId: string; at?: string; position?: number; cursor?: string }>;
    when: string;
    /** `api` (REST, gRPC) or `cli` (an operator at the console). */
    via: 'api' | 'cli';
  }
>;

/**
 * A customer's personal data was erased: every key it was encrypted under is destroyed, so it reads
 * as erased everywhere while every hash chain still verifies. Read models holding it are rebuilt.
 */
export type CustomerDataErased = Event<
  'CustomerDataErased',
  {
    customerId: string;
    /** Ids of the keys destroyed by this erasure (none when an earlier one had destroyed them all). */
    destroyedKeyIds: readonly string[];
    reason: string | null;
    by: Actor;
    erasedAt: string;
    via: 'api' | 'cli';
  }
>;

export type AuditEvent = AuditAccessed | CustomerDataErased;
export const AUDIT_EVENT_TYPES = ['AuditAccessed', 'CustomerDataErased'] as const satisfies readonly AuditEvent['type'][];

/** Audit's streams: one per reader and UTC day, so readers never contend for one stream; one per erased customer. */
export const auditStreams = {
  access: (who: Actor, when: string) => `audit-access-${who.kind}.${who.id}.${when.slice(0, 10)}`,
  erasure: (customerId: string) => `privacy-${customerId}`,
} as const;

/**
 * Audit reads every other context's streams; it writes only who read what (`audit-access-…`, by
 * reader) and which customer's personal data was erased (`privacy-<customerId>`).
 */
export const AUDIT_CONTRACT = {
  name: 'audit',
  streamPrefixes: ['audit-access-', 'privacy-'],
  entityStreams: { 'audit-access-': 'reader', 'privacy-': 'customer' },
  eventTypes: AUDIT_EVENT_TYPES,
  // Staff reading the trail, and erasures, are not another customer's business.
  staffOnlyEventTypes: ['AuditAccessed', 'CustomerDataErased'],
} as const satisfies ContextContract;
