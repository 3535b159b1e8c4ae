import type { Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';
import type { Channel, Language } from '../intake/intake.events';
import type { Category, Priority } from '../routing/routing.events';

/** What a clock measures: from opening to the first public reply, from a customer's message to the next reply, from opening to processing (emergencies), from opening to resolution. */
export const SLA_TARGETS = ['firstResponse', 'nextResponse', 'processingStart', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

/** The always-open calendar; every other calendar is named in the policy. */
export const ALWAYS_OPEN_CALENDAR = '24/7';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A business calendar: working hours in a time zone, minus holidays. */
export type SlaCalendarSpec = Readonly<{
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** Working intervals per weekday as `HH:mm` pairs, e.g. `{"mon": [["09:00", "18:00"]]}`; a missing day is off. */
  workingHours: Readonly<Partial<Record<Weekday, readonly (readonly [string, string])[]>>>;
  /** Public holidays of a country (ISO 3166-1 alpha-2, optionally a region), and/or extra dates (`YYYY-MM-DD`). */
  holidays?: Readonly<{ country?: string; region?: string; dates?: readonly string[] }>;
}>;

/** What a rule matches on; an absent field matches anything, a list matches any of its values. */
export type SlaRuleMatch = Readonly<{
  channel?: Channel | readonly Channel[];
  priority?: Priority | readonly Priority[];
  category?: Category | readonly Category[];
  language?: Language | readonly Language[];
  tier?: string | readonly string[];
}>;

export type SlaRule = Readonly<{
  name: string;
  match: SlaRuleMatch;
  /** ISO 8601 durations (`PT5M`). For each target, the first matching rule that sets it wins. */
  targets: Readonly<Partial<Record<SlaTarget, string>>>;
  /** The calendar its targets are measured in; 24/7 when absent. */
  calendar?: string;
}>;

export type SlaPolicyDocument = Readonly<{
  rules: readonly SlaRule[];
  calendars?: Readonly<Record<string, SlaCalendarSpec>>;
}>;

/** A new version of the policy (on the `sla-policy` stream); tickets classified from `effectiveFrom` on use it. */
export type SlaPolicyChanged = Event<
  'SlaPolicyChanged',
  { version: number; effectiveFrom: string; rules: readonly SlaRule[]; calendars: Readonly<Record<string, SlaCalendarSpec>>; changedBy: string; changedAt: string }
>;

/** The ticket facts a policy is matched on, as far as they are known. */
export type SlaTicketFacts = Readonly<{
  channel: Channel;
  language: Language;
  priority: Priority | null;
  category: Category | null;
  tier: string | null;
}>;

/** SLA started tracking a ticket (on its TicketOpened). */
export type SlaTicketTracked = Event<'SlaTicketTracked', { ticketId: string; channel: Channel; language: Language; openedAt: string }>;

/**
 * A policy version was (re)chosen for the ticket: on opening (channel and language only), on
 * classification, on recategorization or a priority change (routing's escalation). Earlier choices
 * stay in the history.
 */
export type SlaPolicyApplied = Event<
  'SlaPolicyApplied',
  {
    ticketId: string;
    policyVersion: number;
    because: 'opened' | 'classified' | 'recategorized' | 'priority_changed';
    priority: Priority | null;
    category: Category | null;
    /** Per target, the rule that set it, its duration and calendar. */
    targets: readonly Readonly<{ target: SlaTarget; rule: string; duration: string; calendar: string }>[];
    appliedAt: string;
  }
>;

/** When a running clock is due and when its warnings fall; recomputed on every start, resume and policy change. */
export type SlaSchedule = Readonly<{ dueAt: string; warnAt: readonly string[] }>;

export type SlaClockStarted = Event<
  'SlaClockStarted',
  { ticketId: string; target: SlaTarget; duration: string; calendar: string; policyVersion: number; rule: string; startedAt: string } & SlaSchedule
>;

/** A running or paused clock got a new duration (a new policy choice); elapsed time is kept. */
export type SlaClockRetimed = Event<
  'SlaClockRetimed',
  { ticketId: string; target: SlaTarget; duration: string; calendar: string; policyVersion: number; rule: string; retimedAt: string; elapsedSeconds: number } & Partial<SlaSchedule>
>;

export type SlaClockPaused = Event<'SlaClockPaused', { ticketId: string; target: SlaTarget; pausedAt: string; elapsedSeconds: number }>;

export type SlaClockResumed = Event<'SlaClockResumed', { ticketId: string; target: SlaTarget; resumedAt: string } & SlaSchedule>;

export type SlaClockMet = Event<'SlaClockMet', { ticketId: string; target: SlaTarget; metAt: string; elapsedSeconds: number; withinTarget: boolean }>;

/** A clock that will never be met: the ticket was closed, merged or self-served first, or its target was dropped by the policy. */
export type SlaClockStopped = Event<
  'SlaClockStopped',
  { ticketId: string; target: SlaTarget; reason: 'closed' | 'merged' | 'self_served' | 'resolved' | 'target_removed'; stoppedAt: string; elapsedSeconds: number }
>;

/** The resolution clock runs again after a reopen; time spent resolved is not counted. */
export type SlaClockReopened = Event<'SlaClockReopened', { ticketId: string; target: SlaTarget; reopenedAt: string } & SlaSchedule>;

export type SlaWarningIssued = Event<
  'SlaWarningIssued',
  { ticketId: string; target: SlaTarget; threshold: number; dueAt: string; remainingSeconds: number; warnedAt: string }
>;

/**
 * A target was missed; published exactly once per clock. `escalation` is set for emergencies and
 * first-response targets: what routing needs to raise the priority and move the ticket to the
 * supervisors' queue.
 */
export type SlaBreached = Event<
  'SlaBreached',
  {
    ticketId: string;
    target: SlaTarget;
    policyVersion: number;
    rule: string;
    duration: string;
    dueAt: string;
    breachedAt: string;
    channel: Channel;
    priority: Priority | null;
    category: Category | null;
    escalation: Readonly<{ toPriority: Priority; toQueue: string }> | null;
  }
>;

/** Processing of the ticket started while no clock measured it: a processing-start target added later (a late classification) is met by it. */
export type SlaProgressNoted = Event<'SlaProgressNoted', { ticketId: string; startedAt: string }>;

/** Every event on a ticket's `sla-<ticketId>` stream. */
export type SlaClockEvent =
  | SlaTicketTracked
  | SlaPolicyApplied
  | SlaClockStarted
  | SlaClockRetimed
  | SlaClockPaused
  | SlaClockResumed
  | SlaClockMet
  | SlaClockStopped
  | SlaClockReopened
  | SlaWarningIssued
  | SlaBreached
  | SlaProgressNoted;

/** Inflow crossed the surge factor over its baseline: "peak mode" for the other contexts. */
export type SurgeStarted = Event<'SurgeStarted', { factor: number; baselinePerHour: number; ratePerHour: number; startedAt: string }>;
export type SurgeEnded = Event<'SurgeEnded', { baselinePerHour: number; ratePerHour: number; startedAt: string; endedAt: string; peakFactor: number }>;
export type SurgeEvent = SurgeStarted | SurgeEnded;

export type SlaEvent = SlaPolicyChanged | SlaClockEvent | SurgeEvent;

/** The types of a ticket's `sla-<ticketId>` stream. */
export const SLA_CLOCK_EVENT_TYPES = [
  'SlaTicketTracked',
  'SlaPolicyApplied',
  'SlaClockStarted',
  'SlaClockRetimed',
  'SlaClockPaused',
  'SlaClockResumed',
  'SlaClockMet',
  'SlaClockStopped',
  'SlaClockReopened',
  'SlaWarningIssued',
  'SlaBreached',
  'SlaProgressNoted',
] as const satisfies readonly SlaClockEvent['type'][];

export const SLA_EVENT_TYPES = ['SlaPolicyChanged', ...SLA_CLOCK_EVENT_TYPES, 'SurgeStarted', 'SurgeEnded'] as const satisfies readonly SlaEvent['type'][];

/** Stream names of the SLA context. */
export const slaStreams = {
  clock: (ticketId: string) => `sla-${ticketId}`,
  policy: 'sla-policy',
  surge: 'sla-surge',
} as const;

/**
 * SLA tracking: a ticket's clocks on `sla-<ticketId>`, the versioned policy on `sla-policy` and
 * inflow surges on `sla-surge` (both singletons: a ticket id never starts with them).
 */
export const SLA_CONTRACT = {
  name: 'sla',
  streamPrefixes: ['sla-'],
  singletonStreams: ['sla-policy', 'sla-surge'],
  eventTypes: SLA_EVENT_TYPES,
  // Policy changes name the admin who made them; customers have no business with them.
  staffOnlyEventTypes: ['SlaPolicyChanged'],
} as const satisfies ContextContract;
