import { Controller, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsUUID } from 'class-validator';
import { SLA_TARGETS, WEEKDAYS, type SlaCalendarSpec, type SlaRule, type SlaRuleMatch, type SlaTarget, type Weekday } from '@ticketing/contracts';
import {
  CurrentActor,
  GrpcCorrelationInterceptor,
  IdempotencyInterceptor,
  isoFromTimestamp,
  RateLimitClass,
  Roles,
  toOptionalTimestamp,
  toTimestamp,
  validated,
  type AuthenticatedActor,
  type TimestampMessage,
} from '@ticketing/platform';
import type { CompiledPolicy } from '@ticketing/sla-domain';
import { SlaPolicyStore } from '../policy/sla-policy.store';
import { SlaQueriesService } from '../sla-queries.service';

const SERVICE = 'SlaService';
const STAFF = ['agent', 'supervisor', 'admin'] as const;
const PROTO_TARGETS = { firstResponse: 'firstResponse', nextResponse: 'nextResponse', processingStart: 'processingStart', resolution: 'resolution' } as const satisfies Record<SlaTarget, string>;

class TicketIdRequest {
  @IsUUID() ticketId!: string;
}


type MatchMessage = Readonly<{ channel?: string[]; priority?: string[]; category?: string[]; language?: string[]; tier?: string[] }>;
type TargetsMessage = Readonly<Partial<Record<SlaTarget, string>>>;
type RuleMessage = Readonly<{ name?: string; match?: MatchMessage; targets?: TargetsMessage; calendar?: string }>;
type CalendarMessage = Readonly<{
  timeZone?: string;
  workingHours?: readonly { day?: string; intervals?: readonly { start?: string; end?: string }[] }[];
  holidayCountry?: string;
  holidayRegion?: string;
  holidayDates?: string[];
}>;


function ruleOf(message: RuleMessage): SlaRule {
  const match: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(message.match ?? {})) if (Array.isArray(values) && values.length > 0) match[key] = values;
  const targets: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.targets ?? {})) if (typeof value === 'string' && value !== '') targets[key] = value;
  return { name: message.name ?? '', match: match as SlaRuleMatch, targets, ...(message.calendar ? { calendar: message.calendar } : {}) };
}

function calendarOf(message: CalendarMessage): SlaCalendarSpec {
  const workingHours: Partial<Record<Weekday, [string, string][]>> = {};
  for (const day of message.workingHours ?? []) {
    workingHours[(day.day ?? '') as Weekday] = (day.intervals ?? []).map((interval) => [interval.start ?? '', interval.end ?? ''] as [string, string]);
  }
  const holidays = {
    ...(message.holidayCountry ? { country: message.holidayCountry } : {}),
    ...(message.holidayRegion ? { region: message.holidayRegion } : {}),
    ...(message.holidayDates?.length ? { dates: message.holidayDates } : {}),
  };
  return { timeZone: message.timeZone ?? '', workingHours, ...(Object.keys(holidays).length > 0 ? { holidays } : {}) };
}

function toPolicyMessage(policy: CompiledPolicy) {
  return {
    version: policy.version,
    effectiveFrom: toTimestamp(policy.effectiveFrom),
    rules: policy.document.rules.map((rule) => ({
      name: rule.name,
      match: Object.fromEntries(Object.entries(rule.match).map(([key, value]) => [key, Array.isArray(value) ? value : [value]])),
      targets: rule.targets,
      calendar: rule.calendar ?? '',
    })),
    calendars: Object.fromEntries(
      Object.entries(policy.document.calendars ?? {}).map(([name, calendar]) => [
        name,
        {
          timeZone: calendar.timeZone,
          workingHours: WEEKDAYS.filter((day) => calendar.workingHours[day] !== undefined).map((day) => ({
            day,
            intervals: calendar.workingHours[day]!.map(([start, end]) => ({ start, end })),
          })),
          holidayCountry: calendar.holidays?.country ?? '',
          holidayRegion: calendar.holidays?.region ?? '',
          holidayDates: calendar.holidays?.dates ?? [],
        },
      ]),
    ),
  };
}

/** ticketing.sla.v1.SlaService: the REST operations of /v1/sla with the same roles and validation. */
@Controller()
@UseInterceptors(GrpcCorrelationInterceptor)
export class SlaGrpcController {
  constructor(
    private readonly queries: SlaQueriesService,
    private readonly policies: SlaPolicyStore,
  ) {}

  @GrpcMethod(SERVICE, 'GetTicketSla')
  @RateLimitClass('read')
  @Roles(...STAFF, 'auditor', 'ops', 'service')
  async getTicketSla(@Payload() message: { ticketId: string }) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    const sla = await this.queries.ticket(ticketId);
    return {
      ticketId,
      priority: sla.priority ?? '',
      category: sla.category ?? '',
      ...(sla.firstContactResolution !== null && { firstContactResolution: sla.firstContactResolution }),
      clocks: sla.clocks.map((clock) => ({
        target: PROTO_TARGETS[clock.target],
        duration: clock.duration,
        policyVersion: clock.policyVersion,
        rule: clock.rule,
        calendar: clock.calendar,
        state: clock.state,
        startedAt: toTimestamp(clock.startedAt),
        dueAt: toOptionalTimestamp(clock.dueAt),
        elapsedSeconds: String(clock.elapsedSeconds),
        pausedSeconds: String(clock.pausedSeconds),
        remainingSeconds: String(clock.remainingSeconds),
        warnedAt: toOptionalTimestamp(clock.warnedAt),
        breachedAt: toOptionalTimestamp(clock.breachedAt),
        metAt: toOptionalTimestamp(clock.metAt),
        stoppedAt: toOptionalTimestamp(clock.stoppedAt),
      })),
    };
  }

  @GrpcMethod(SERVICE, 'GetSlaPolicy')
  @RateLimitClass('read')
  @Roles(...STAFF, 'auditor', 'ops')
  async getSlaPolicy() {
    return toPolicyMessage(await this.policies.current());
  }

  @GrpcMethod(SERVICE, 'PutSlaPolicy')
  @Roles('admin')
  @UseInterceptors(IdempotencyInterceptor)
  async putSlaPolicy(
    @Payload() message: { rules?: RuleMessage[]; calendars?: Record<string, CalendarMessage>; effectiveFrom?: TimestampMessage },
    @CurrentActor() actor: AuthenticatedActor,
  ) {
    const rules = (message.rules ?? []).map(ruleOf);
    const calendars = Object.fromEntries(Object.entries(message.calendars ?? {}).map(([name, calendar]) => [name, calendarOf(calendar)]));
    return toPolicyMessage(await this.policies.change({ rules, calendars }, isoFromTimestamp('effectiveFrom', message.effectiveFrom) ?? null, actor));
  }

  @GrpcMethod(SERVICE, 'ListSlaAtRisk')
  @RateLimitClass('read')
  @Roles(...STAFF, 'ops')
  async listSlaAtRisk(@Payload() message: { limit?: number; target?: string }) {
    const clocks = await this.queries.atRisk({
      ...(message.limit ? { limit: String(message.limit) } : {}),
      ...(message.target ? { target: message.target } : {}),
    });
    return {
      clocks: clocks.map((clock) => ({
        ...clock,
        priority: clock.priority ?? '',
        category: clock.category ?? '',
        dueAt: toTimestamp(clock.dueAt),
        secondsToDue: String(clock.secondsToDue),
        target: (SLA_TARGETS as readonly string[]).includes(clock.target) ? clock.target : '',
      })),
    };
  }
}
