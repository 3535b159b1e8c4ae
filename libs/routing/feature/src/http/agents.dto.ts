import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { AGENT_AVAILABILITIES, AGENT_CLEARANCES, CATEGORIES, LANGUAGES, WEEKDAYS, type AgentAvailability, type AgentClearance, type Category, type Language } from '@ticketing/contracts';
import { MAX_AGENT_CAPACITY } from '@ticketing/routing-domain';

/** An agent's id is the `sub` of its token: letters, digits and `._:@|+-`, as identity providers spell subjects. */
export const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@|+-]{0,127}$/;
export const AGENT_ID_SCHEMA = { type: 'string', pattern: AGENT_ID.source, minLength: 1, maxLength: 128, example: 'agent-ana' } as const;
export const QUEUE_NAME = /^[a-z0-9-]{1,64}$/;
/** IANA zone names: `Asia/Seoul`, `America/Port-au-Prince`, `Etc/GMT+9`, `UTC` (whether it exists is checked against the zone database). */
export const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;
export const CURSOR = /^[A-Za-z0-9_-]{1,256}$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HH_MM_OR_MIDNIGHT = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const COUNT = { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_AGENT_CAPACITY } as const;
const LOAD = { type: 'integer', format: 'int32', minimum: 0, maximum: MAX_AGENT_CAPACITY } as const;
const REASON = { minLength: 1, maxLength: 500 } as const;

export class AgentShiftSchema {
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...WEEKDAYS] }, minItems: 1, maxItems: 7, example: ['mon', 'tue', 'wed', 'thu', 'fri'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(7) @ArrayUnique() @IsIn(WEEKDAYS, { each: true })
  days!: (typeof WEEKDAYS)[number][];

  @ApiProperty({ pattern: HH_MM.source, maxLength: 5, example: '09:00', description: 'Local time in the agent’s time zone' })
  @IsString() @Matches(HH_MM, { message: 'start must be HH:mm' })
  start!: string;

  @ApiProperty({ pattern: HH_MM_OR_MIDNIGHT.source, maxLength: 5, example: '17:00', description: 'Before `start`: an overnight shift into the next day; `24:00` for midnight' })
  @IsString() @Matches(HH_MM_OR_MIDNIGHT, { message: 'end must be HH:mm (24:00 for midnight)' })
  end!: string;
}

/** Open tickets per channel an agent may hold; a channel left out takes the configured default (TICKETING_AGENT_DEFAULT_CAPACITY). */
export class AgentCapacitySchema {
  @ApiPropertyOptional(COUNT) @IsOptional() @IsInt() @Min(1) @Max(MAX_AGENT_CAPACITY) chat?: number;
  @ApiPropertyOptional(COUNT) @IsOptional() @IsInt() @Min(1) @Max(MAX_AGENT_CAPACITY) email?: number;
  @ApiPropertyOptional(COUNT) @IsOptional() @IsInt() @Min(1) @Max(MAX_AGENT_CAPACITY) web_form?: number;
  @ApiPropertyOptional(COUNT) @IsOptional() @IsInt() @Min(1) @Max(MAX_AGENT_CAPACITY) social?: number;
  @ApiPropertyOptional(COUNT) @IsOptional() @IsInt() @Min(1) @Max(MAX_AGENT_CAPACITY) api?: number;
}

/** PUT /v1/routing/agents/{agentId}: the whole profile (create or replace). */
export class PutAgentRequest {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Ana', description: 'The only thing about an agent a customer may ever see' })
  @IsString() @Length(1, 100)
  displayName!: string;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...LANGUAGES] }, minItems: 1, maxItems: LANGUAGES.length, example: ['en'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(LANGUAGES.length) @ArrayUnique() @IsIn(LANGUAGES, { each: true })
  languages!: Language[];

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...CATEGORIES] }, minItems: 1, maxItems: CATEGORIES.length, example: ['general_inquiry'], description: 'The categories the agent handles' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(CATEGORIES.length) @ArrayUnique() @IsIn(CATEGORIES, { each: true })
  skills!: Category[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', enum: [...AGENT_CLEARANCES] },
    maxItems: AGENT_CLEARANCES.length,
    example: ['security'],
    description: 'Queues need clearances (security-emergency: security; supervisor and triage: supervisor). Default none',
  })
  @IsOptional() @IsArray() @ArrayMaxSize(AGENT_CLEARANCES.length) @ArrayUnique() @IsIn(AGENT_CLEARANCES, { each: true })
  clearances?: AgentClearance[];

  @ApiPropertyOptional({ type: AgentCapacitySchema, example: { chat: 3, email: 10 }, description: 'Open tickets per channel, 1–100; a channel left out: the configured default' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AgentCapacitySchema)
  capacity?: AgentCapacitySchema;

  @ApiPropertyOptional({ pattern: TIME_ZONE.source, maxLength: 64, example: 'Asia/Seoul', description: 'IANA zone of the shifts (default UTC)' })
  @IsOptional() @IsString() @Matches(TIME_ZONE, { message: 'timeZone must be an IANA time zone such as Asia/Seoul' })
  timeZone?: string;

  @ApiPropertyOptional({ type: [AgentShiftSchema], maxItems: 28, description: 'Weekly working windows; none: always on shift' })
  @IsOptional() @IsArray() @ArrayMaxSize(28) @ValidateNested({ each: true }) @Type(() => AgentShiftSchema)
  shifts?: AgentShiftSchema[];
}

export class AgentAvailabilityRequest {
  @ApiProperty({ enum: AGENT_AVAILABILITIES, description: 'online: takes tickets; away or offline: takes none (and gives its tickets back after the grace period, TICKETING_AGENT_UNAVAILABLE_TICKETS)' })
  @IsIn(AGENT_AVAILABILITIES)
  status!: AgentAvailability;
}

/** Open tickets per channel: every channel. */
export class ChannelCountsResponse {
  @ApiProperty(LOAD) chat!: number;
  @ApiProperty(LOAD) email!: number;
  @ApiProperty(LOAD) web_form!: number;
  @ApiProperty(LOAD) social!: number;
  @ApiProperty(LOAD) api!: number;
}

export class AgentResponse {
  @ApiProperty(AGENT_ID_SCHEMA) agentId!: string;
  @ApiProperty({ maxLength: 100 }) displayName!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...LANGUAGES] }, maxItems: LANGUAGES.length }) languages!: Language[];
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...CATEGORIES] }, maxItems: CATEGORIES.length }) skills!: Category[];
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...AGENT_CLEARANCES] }, maxItems: AGENT_CLEARANCES.length }) clearances!: AgentClearance[];
  @ApiProperty({ type: AgentCapacitySchema, description: 'As saved: the channels the profile sets' }) capacity!: AgentCapacitySchema;
  @ApiProperty({ type: ChannelCountsResponse, description: 'The capacity in force per channel (the profile’s, else the default)' }) limits!: ChannelCountsResponse;
  @ApiProperty({ type: ChannelCountsResponse, description: 'Tickets held now per channel' }) load!: ChannelCountsResponse;
  @ApiProperty({ nullable: true, type: String, pattern: TIME_ZONE.source, maxLength: 64, description: 'Null: UTC' }) timeZone!: string | null;
  @ApiProperty({ type: [AgentShiftSchema], maxItems: 28 }) shifts!: AgentShiftSchema[];
  @ApiProperty({ enum: AGENT_AVAILABILITIES }) availability!: AgentAvailability;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', maxLength: 35, description: 'Since when the availability is what it is' }) availableSince!: string | null;
  @ApiProperty({ description: 'Whether it is within one of its shifts now (no shifts: always)' }) onShift!: boolean;
  @ApiProperty() retired!: boolean;
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'uuid', maxLength: 36 }, maxItems: 500, description: 'The tickets it holds' }) heldTickets!: string[];
  @ApiProperty({ nullable: true, type: String, format: 'date-time', maxLength: 35, description: 'When it last took a ticket (the longest idle goes first among the least loaded)' }) lastTakenAt!: string | null;
}

export class AgentPageResponse {
  @ApiProperty({ type: [AgentResponse], maxItems: 100, description: 'Active agents first, then retired ones; each by id' }) items!: AgentResponse[];
  @ApiProperty({ nullable: true, type: String, pattern: CURSOR.source, maxLength: 256, description: 'Pass as `cursor` for the next page; null on the last' }) nextCursor!: string | null;
}

export class AssignTicketRequest {
  @ApiProperty(AGENT_ID_SCHEMA)
  @IsString() @Matches(AGENT_ID, { message: 'agentId must be 1–128 letters, digits or ._:@|+- (the agent’s token subject)' })
  agentId!: string;

  @ApiPropertyOptional({ ...REASON, description: 'Why this agent (kept on TicketAssignedToAgent)' })
  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;
}

export class ReleaseTicketRequest {
  @ApiPropertyOptional({ ...REASON, description: 'Why (kept with the agent’s freed capacity, AgentTicketDropped)' })
  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;
}

export class TransferTicketRequest {
  @ApiPropertyOptional({ pattern: QUEUE_NAME.source, maxLength: 64, example: 'funds-en', description: 'A queue the routing rules know; the ticket waits there (unless `toAgentId` is given too)' })
  @IsOptional() @IsString() @Matches(QUEUE_NAME, { message: 'toQueue must be 1–64 lower-case letters, digits or dashes' })
  toQueue?: string;

  @ApiPropertyOptional({ ...AGENT_ID_SCHEMA, description: 'Assigned to this agent through its capacity (online or not)' })
  @IsOptional() @IsString() @Matches(AGENT_ID, { message: 'toAgentId must be 1–128 letters, digits or ._:@|+- (the agent’s token subject)' })
  toAgentId?: string;

  @ApiProperty({ ...REASON, example: 'needs the funds desk' })
  @IsString() @Length(1, 500)
  reason!: string;
}

export class EscalateTicketRequest {
  @ApiProperty({ ...REASON, example: 'customer threatens legal action' })
  @IsString() @Length(1, 500)
  reason!: string;
}
