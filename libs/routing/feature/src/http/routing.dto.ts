import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { CATEGORIES, CHANNELS, LANGUAGES, PRIORITIES, type Category, type Channel, type Language, type Priority } from '@ticketing/contracts';
import { AGENT_ID } from './agents.dto';

/** The longest text the classifier reads (it reads the first 4,000 characters; more is refused, not truncated). */
export const MAX_CLASSIFY_BODY = 100_000;

export const ROUTING_STATUSES = ['waiting', 'assigned', 'finished'] as const;
export type RoutingStatus = (typeof ROUTING_STATUSES)[number];

export class ClassifyRequest {
  @ApiPropertyOptional({ maxLength: 300, description: 'May be empty or absent (chat, social)' })
  @IsOptional() @IsString() @Length(0, 300)
  subject?: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_CLASSIFY_BODY, example: 'my withdrawal is frozen, was I hacked?' })
  @IsString() @Length(1, MAX_CLASSIFY_BODY)
  body!: string;

  @ApiProperty({ enum: CHANNELS }) @IsIn(CHANNELS) channel!: Channel;
}

export class ClassifyResponse {
  @ApiProperty({ enum: CATEGORIES }) category!: Category;
  @ApiProperty({ enum: PRIORITIES, description: 'By the routing rules for this category and channel (asset amounts are not known here)' }) priority!: Priority;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'The model’s probability for `category`' }) confidence!: number;
  @ApiProperty({ enum: LANGUAGES, description: 'The language the text is written in, by the same model’s language head' }) language!: Language;
  @ApiProperty({ maxLength: 64, example: 'base-3f9a0c2d1e4b' }) modelVersion!: string;
  @ApiProperty({ description: 'Below the configured confidence threshold: a ticket like this goes to the `triage` queue' }) lowConfidence!: boolean;
}

export class RecategorizeRequest {
  @ApiProperty({ enum: CATEGORIES }) @IsIn(CATEGORIES) category!: Category;
  @ApiPropertyOptional({ maxLength: 500, description: 'Why: kept in the ticket’s history, read when retraining' })
  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;
}

export class RoutedTicketResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ maxLength: 64, example: 'funds-en' }) queue!: string;
  @ApiProperty({ enum: CATEGORIES, nullable: true, type: String, description: 'Null for tickets queued before classification existed' }) category!: Category | null;
  @ApiProperty({ enum: PRIORITIES, nullable: true, type: String }) priority!: Priority | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, maximum: 1, description: '1 once a person set the category' }) confidence!: number | null;
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 16, description: 'What raised the priority or routed it: public_social, asset_amount_above_threshold, low_confidence' })
  signals!: string[];
  @ApiProperty({ nullable: true, type: String, pattern: AGENT_ID.source, maxLength: 128, description: 'The agent holding it (its id), or null' }) assignee!: string | null;
  @ApiProperty({ enum: ROUTING_STATUSES, description: 'waiting: in its queue, held by nobody; assigned: an agent holds it; finished: resolved, closed or merged (no longer dispatched)' })
  status!: RoutingStatus;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647, description: 'Transfers so far (counted against first-contact resolution)' }) transfers!: number;
}

export class WaitingTicketResponse extends RoutedTicketResponse {
  @ApiProperty({ format: 'date-time', maxLength: 35, description: 'When it joined the queue' }) queuedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', maxLength: 35, description: 'The earliest due time of its running SLA clocks' }) slaDueAt!: string | null;
  @ApiProperty({ maxLength: 1000, example: '1 full (3 chat), 1 no general_inquiry skill', description: 'Why no agent has it: each reason with the number of agents it applies to, most common first' })
  unassignedReason!: string;
}

export class QueueDepthResponse {
  @ApiProperty({ maxLength: 64, example: 'security-emergency' }) queue!: string;
  @ApiProperty({ minimum: 0, description: 'Tickets queued and not held by anyone' }) waiting!: number;
  @ApiProperty({ minimum: 0 }) emergencies!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', maxLength: 32 }) oldestQueuedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0, description: 'Seconds the oldest waiting ticket has waited' }) oldestWaitSeconds!: number | null;
}

export class QueueListResponse {
  @ApiProperty({ type: [QueueDepthResponse], maxItems: 1000 }) queues!: QueueDepthResponse[];
}

export class WaitingTicketsResponse {
  @ApiProperty({ maxLength: 64 }) queue!: string;
  @ApiProperty({ type: [WaitingTicketResponse], maxItems: 200, description: 'In the order they are dispatched: priority, then SLA due time, then age' }) tickets!: WaitingTicketResponse[];
}

export class MyTicketsResponse {
  @ApiProperty({ type: [RoutedTicketResponse], maxItems: 500, description: 'The tickets the caller holds, oldest assignment first' }) tickets!: RoutedTicketResponse[];
}

