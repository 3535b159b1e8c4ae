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

export type AuditEvent = AuditAccessed;
export const AUDIT_EVENT_TYPES = ['AuditAccessed'] as const satisfies readonly AuditEvent['type'][];

/** Audit's streams: one per reader and UTC day, so readers never contend for one stream. */
export const auditStreams = {
  access: (who: Actor, when: string) => `audit-access-${who.kind}.${who.id}.${when.slice(0, 10)}`,
} as const;

/** Audit reads every other context's streams; it writes only who read what (`audit-access-…`, by reader). */
export const AUDIT_CONTRACT = {
  name: 'audit',
  streamPrefixes: ['audit-access-'],
  entityStreams: { 'audit-access-': 'reader' },
  eventTypes: AUDIT_EVENT_TYPES,
  // Staff reading the trail is not a customer's business.
  staffOnlyEventTypes: ['AuditAccessed'],
} as const satisfies ContextContract;
