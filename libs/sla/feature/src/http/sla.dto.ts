import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsISO8601, IsObject, IsOptional } from 'class-validator';
import { CATEGORIES, CHANNELS, LANGUAGES, PRIORITIES, SLA_TARGETS, WEEKDAYS, type SlaCalendarSpec, type SlaRule, type SlaTarget } from '@ticketing/contracts';

const DURATION = { type: 'string', maxLength: 40, pattern: '^P', example: 'PT5M', description: 'ISO 8601 duration (no months or years), measured in the rule’s calendar' } as const;
const matchOf = (values: readonly string[]) => ({ oneOf: [{ type: 'string', enum: [...values] }, { type: 'array', items: { type: 'string', enum: [...values] }, maxItems: 50 }] });

class SlaRuleMatchSchema {
  @ApiPropertyOptional(matchOf(CHANNELS)) channel?: string | string[];
  @ApiPropertyOptional(matchOf(PRIORITIES)) priority?: string | string[];
  @ApiPropertyOptional(matchOf(CATEGORIES)) category?: string | string[];
  @ApiPropertyOptional(matchOf(LANGUAGES)) language?: string | string[];
  @ApiPropertyOptional({ oneOf: [{ type: 'string', maxLength: 64 }, { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50 }] }) tier?: string | string[];
}

class SlaTargetsSchema {
  @ApiPropertyOptional({ ...DURATION, description: 'From opening to the first public agent reply' }) firstResponse?: string;
  @ApiPropertyOptional({ ...DURATION, description: 'From a customer message (after the first reply) to the next agent reply' }) nextResponse?: string;
  @ApiPropertyOptional({ ...DURATION, description: 'From opening to `in_progress` (asset-security emergencies)' }) processingStart?: string;
  @ApiPropertyOptional({ ...DURATION, description: 'From opening to resolution (time resolved before a reopen is not counted)' }) resolution?: string;
}

class SlaRuleSchema {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'live-chat' }) name!: string;
  @ApiProperty({ type: SlaRuleMatchSchema, description: 'An absent field matches anything; a list matches any of its values; `{}` matches every ticket' }) match!: SlaRuleMatchSchema;
  @ApiProperty({ type: SlaTargetsSchema, description: 'For each target, the first matching rule that sets it wins' }) targets!: SlaTargetsSchema;
  @ApiPropertyOptional({ maxLength: 64, description: 'A calendar of `calendars`; 24/7 when absent', example: 'berlin-office' }) calendar?: string;
}

class SlaHolidaysSchema {
  @ApiPropertyOptional({ maxLength: 2, example: 'DE', description: 'ISO 3166-1 alpha-2: its public holidays (date-holidays)' }) country?: string;
  @ApiPropertyOptional({ maxLength: 8, example: 'BE' }) region?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'date', maxLength: 10 }, maxItems: 366 }) dates?: string[];
}

class SlaCalendarSchema {
  @ApiProperty({ maxLength: 64, example: 'Europe/Berlin', description: 'IANA time zone' }) timeZone!: string;
  @ApiProperty({
    type: 'object',
    description: `Working intervals per weekday (${WEEKDAYS.join(', ')}) as [start, end] HH:mm pairs; a missing day is off`,
    properties: Object.fromEntries(
      WEEKDAYS.map((day) => [day, { type: 'array', maxItems: 8, items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string', pattern: '^\\d{2}:\\d{2}$', maxLength: 5 } } }]),
    ),
    additionalProperties: false,
    example: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] },
  })
  workingHours!: SlaCalendarSpec['workingHours'];
  @ApiPropertyOptional({ type: SlaHolidaysSchema }) holidays?: SlaHolidaysSchema;
}

/** PUT /v1/sla/policy: rules and calendars are validated by the domain (every problem named), not here. */
export class SlaPolicyRequest {
  @ApiProperty({ type: [SlaRuleSchema], minItems: 1, maxItems: 200 })
  @IsArray() @ArrayMaxSize(200)
  rules!: SlaRule[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: { $ref: '#/components/schemas/SlaCalendarSchema' }, maxProperties: 50, description: 'Named business calendars the rules may use' })
  @IsOptional() @IsObject()
  calendars?: Record<string, SlaCalendarSpec>;

  @ApiPropertyOptional({ format: 'date-time', maxLength: 35, description: 'When the version takes effect (default now; never in the past)' })
  @IsOptional() @IsISO8601({ strict: true })
  effectiveFrom?: string;
}

export class SlaPolicyResponse {
  @ApiProperty({ minimum: 0, maximum: 2147483647, format: 'int32', description: '0 is the built-in default' }) version!: number;
  @ApiProperty({ format: 'date-time', maxLength: 35 }) effectiveFrom!: string;
  @ApiProperty({ type: [SlaRuleSchema], maxItems: 200 }) rules!: SlaRule[];
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/SlaCalendarSchema' }, maxProperties: 50 }) calendars!: Record<string, SlaCalendarSpec>;
}

export class SlaWhatIfRequest {
  @ApiProperty({ type: SlaPolicyRequest, description: 'The candidate policy (effectiveFrom is ignored)' })
  @IsObject()
  policy!: { rules: SlaRule[]; calendars?: Record<string, SlaCalendarSpec> };

  @ApiPropertyOptional({ format: 'date-time', maxLength: 35, description: 'Tickets opened at or after (default: 7 days before `to`)' })
  @IsOptional() @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', maxLength: 35, description: 'Tickets opened before (default: now)' })
  @IsOptional() @IsISO8601({ strict: true })
  to?: string;
}

export class SlaClockResponse {
  @ApiProperty({ enum: SLA_TARGETS }) target!: SlaTarget;
  @ApiProperty(DURATION) duration!: string;
  @ApiProperty({ minimum: 0, maximum: 2147483647, format: 'int32' }) policyVersion!: number;
  @ApiProperty({ maxLength: 100, description: 'The policy rule that set the target' }) rule!: string;
  @ApiProperty({ maxLength: 64 }) calendar!: string;
  @ApiProperty({ enum: ['running', 'paused', 'met', 'breached', 'stopped'], description: '`breached` also once met late; `stopped`: will never be met (closed, merged, self-served, or resolved before a reply)' }) state!: string;
  @ApiProperty({ format: 'date-time', maxLength: 35 }) startedAt!: string;
  @ApiProperty({ format: 'date-time', maxLength: 35, nullable: true, type: String, description: 'Null while paused' }) dueAt!: string | null;
  @ApiProperty({ minimum: 0, format: 'int64', description: 'Working time counted, in the calendar' }) elapsedSeconds!: number;
  @ApiProperty({ minimum: 0, format: 'int64' }) pausedSeconds!: number;
  @ApiProperty({ minimum: 0, format: 'int64' }) remainingSeconds!: number;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35 }) warnedAt?: string;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35 }) breachedAt?: string;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35 }) metAt?: string;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35 }) stoppedAt?: string;
}

export class TicketSlaResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ enum: PRIORITIES, nullable: true, type: String }) priority!: string | null;
  @ApiProperty({ enum: CATEGORIES, nullable: true, type: String }) category!: string | null;
  @ApiProperty({ type: [SlaClockResponse], maxItems: 4 }) clocks!: SlaClockResponse[];
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'Resolved without a transfer and not reopened within TICKETING_SLA_FCR_WINDOW_DAYS of its first resolution; null until resolved',
  })
  firstContactResolution!: boolean | null;
}

export class AtRiskClockResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ enum: SLA_TARGETS }) target!: SlaTarget;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiProperty({ enum: LANGUAGES }) language!: string;
  @ApiProperty({ enum: PRIORITIES, nullable: true, type: String }) priority!: string | null;
  @ApiProperty({ enum: CATEGORIES, nullable: true, type: String }) category!: string | null;
  @ApiProperty(DURATION) duration!: string;
  @ApiProperty({ format: 'date-time', maxLength: 35 }) dueAt!: string;
  @ApiProperty({ minimum: 0, format: 'int64', description: 'Wall-clock seconds until due' }) secondsToDue!: number;
  @ApiProperty({ description: 'A warning (75%/90%) was issued' }) warned!: boolean;
}

export class AtRiskResponse {
  @ApiProperty({ type: [AtRiskClockResponse], maxItems: 500 }) clocks!: AtRiskClockResponse[];
}

class DurationStatsSchema {
  @ApiProperty({ minimum: 0, format: 'int64' }) count!: number;
  @ApiProperty({ nullable: true, type: Number, minimum: 0 }) mean!: number | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0 }) median!: number | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0 }) p90!: number | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0 }) p99!: number | null;
}

class TargetBreachSchema {
  @ApiProperty({ minimum: 0, format: 'int64' }) clocks!: number;
  @ApiProperty({ minimum: 0, format: 'int64' }) breached!: number;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, maximum: 1 }) rate!: number | null;
}

class BreachRatesSchema {
  @ApiProperty({ type: TargetBreachSchema }) firstResponse!: TargetBreachSchema;
  @ApiProperty({ type: TargetBreachSchema }) nextResponse!: TargetBreachSchema;
  @ApiProperty({ type: TargetBreachSchema }) processingStart!: TargetBreachSchema;
  @ApiProperty({ type: TargetBreachSchema }) resolution!: TargetBreachSchema;
}

class BreachViewsSchema {
  @ApiPropertyOptional({ type: BreachRatesSchema, description: 'As recorded, under the policy in force at the time' }) then?: BreachRatesSchema;
  @ApiPropertyOptional({ type: BreachRatesSchema, description: 'As today’s policy would have judged the same history' }) now?: BreachRatesSchema;
}

class ReportGroupSchema {
  @ApiProperty({ nullable: true, type: String, maxLength: 64, description: 'The group’s value (null: all tickets, or tickets without one)' }) key!: string | null;
  @ApiProperty({ minimum: 0, format: 'int64' }) tickets!: number;
  @ApiProperty({ type: DurationStatsSchema, description: 'Working seconds to the first response' }) firstResponseSeconds!: DurationStatsSchema;
  @ApiProperty({ type: DurationStatsSchema }) resolutionSeconds!: DurationStatsSchema;
  @ApiProperty({ type: BreachViewsSchema }) breachRates!: BreachViewsSchema;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, maximum: 1 }) resolutionRate!: number | null;
  @ApiProperty({ minimum: 0, format: 'int64', description: 'Neither resolved nor closed' }) backlog!: number;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, maximum: 1 }) reopenRate!: number | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, maximum: 1, description: 'Resolved without transfer and not reopened within the window' }) firstContactResolutionRate!: number | null;
}

export class SlaReportResponse {
  @ApiProperty({ format: 'date-time', maxLength: 35 }) from!: string;
  @ApiProperty({ format: 'date-time', maxLength: 35 }) to!: string;
  @ApiProperty({ enum: ['channel', 'priority', 'category', 'language', 'queue'], nullable: true, type: String }) groupBy!: string | null;
  @ApiProperty({ enum: ['then', 'now', 'both'] }) policy!: string;
  @ApiProperty({ minimum: 0, maximum: 365, format: 'int32' }) firstContactResolutionWindowDays!: number;
  @ApiProperty({ type: [ReportGroupSchema], maxItems: 1000 }) groups!: ReportGroupSchema[];
}

class WhatIfChangeSchema {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ enum: SLA_TARGETS }) target!: string;
  @ApiProperty({ enum: ['breached', 'met'] }) recorded!: string;
  @ApiProperty({ enum: ['breached', 'met'] }) candidate!: string;
}

export class SlaWhatIfResponse {
  @ApiProperty({ format: 'date-time', maxLength: 35 }) from!: string;
  @ApiProperty({ format: 'date-time', maxLength: 35 }) to!: string;
  @ApiProperty({ minimum: 0, format: 'int64' }) tickets!: number;
  @ApiProperty({ type: BreachRatesSchema }) recorded!: BreachRatesSchema;
  @ApiProperty({ type: BreachRatesSchema }) candidate!: BreachRatesSchema;
  @ApiProperty({ minimum: 0, format: 'int64' }) changedTickets!: number;
  @ApiProperty({ type: [WhatIfChangeSchema], maxItems: 1000, description: 'Tickets whose verdict changes (the first 1,000)' }) changes!: WhatIfChangeSchema[];
}

export class SurgeStatusResponse {
  @ApiProperty({ description: 'Peak mode: inflow is at least the surge factor over its baseline' }) inSurge!: boolean;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35 }) since?: string;
  @ApiPropertyOptional({ minimum: 0 }) factor?: number;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, description: 'Tickets per hour (trailing EWMA); null while warming up' }) baselinePerHour!: number | null;
  @ApiProperty({ minimum: 0, description: 'Tickets per hour over the detection window' }) ratePerHour!: number;
}

export { SlaCalendarSchema };
