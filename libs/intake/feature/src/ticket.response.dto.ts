import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { CHANNELS, LANGUAGES, SOCIAL_PLATFORMS, type AssetContext, type Channel, type ChannelDetails, type Language, type SocialPlatform, type TicketStatus, CATEGORIES, PRIORITIES, type Category, type Priority } from '@ticketing/contracts';
import { MAX_AMOUNT_SIGNIFICANT_DIGITS, MAX_SUBJECT_LENGTH } from '@ticketing/intake-domain';

export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed', 'merged'];

// Bounds of what the API accepts, so of what it shows back.
const ACTOR_ID = { maxLength: 128 } as const;
const UUID = { format: 'uuid', maxLength: 36 } as const;
const INSTANT = { format: 'date-time', maxLength: 35 } as const;
const COUNT = { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 } as const;

export class MessageCountsResponse {
  @ApiProperty(COUNT) customer!: number;
  @ApiProperty(COUNT) agent!: number;
  @ApiPropertyOptional({ ...COUNT, description: 'Internal notes; never shown to customers' }) notes?: number;
}

export class ChatDetailsResponse {
  @ApiProperty({ enum: ['chat'] }) channel!: 'chat';
  @ApiProperty({ maxLength: 128 }) sessionId!: string;
}

export class EmailDetailsResponse {
  @ApiProperty({ enum: ['email'] }) channel!: 'email';
  // Personal data: `[erased]` once the customer's is erased, so not declared `format: email`.
  @ApiProperty({ maxLength: 254, description: 'The sender’s e-mail address, or `[erased]` once the customer’s personal data is erased' }) fromAddress!: string;
  @ApiProperty({ maxLength: 998, description: 'RFC 5322 Message-ID' }) messageId!: string;
  @ApiPropertyOptional({ maxLength: 998 }) inReplyTo?: string;
}

export class WebFormDetailsResponse {
  @ApiProperty({ enum: ['web_form'] }) channel!: 'web_form';
  @ApiProperty({ maxLength: 64 }) formId!: string;
}

export class SocialDetailsResponse {
  @ApiProperty({ enum: ['social'] }) channel!: 'social';
  @ApiProperty({ enum: SOCIAL_PLATFORMS }) platform!: SocialPlatform;
  @ApiProperty({ maxLength: 64, description: 'Or `[erased]` once the customer’s personal data is erased' }) handle!: string;
  @ApiProperty({ maxLength: 2048, description: 'The post’s URL, or `[erased]` once the customer’s personal data is erased' }) postUrl!: string;
}

export class ApiDetailsResponse {
  @ApiProperty({ enum: ['api'] }) channel!: 'api';
  @ApiProperty({ maxLength: 128 }) clientId!: string;
  @ApiPropertyOptional({ maxLength: 128 }) externalReference?: string;
}

const CHANNEL_DETAILS = {
  chat: ChatDetailsResponse,
  email: EmailDetailsResponse,
  web_form: WebFormDetailsResponse,
  social: SocialDetailsResponse,
  api: ApiDetailsResponse,
} as const satisfies Record<Channel, unknown>;

export class AssetContextResponse {
  @ApiPropertyOptional({ example: 'USDT', pattern: '^[A-Z0-9]{2,15}$', maxLength: 15 }) asset?: string;
  @ApiPropertyOptional({ example: 'TRC20', pattern: '^[A-Z0-9_-]{2,20}$', maxLength: 20, description: 'Upper-case network code' }) network?: string;
  @ApiPropertyOptional({ example: '1250.50', pattern: '^(0|[1-9]\\d*)(\\.\\d+)?$', maxLength: MAX_AMOUNT_SIGNIFICANT_DIGITS + 1, description: 'Decimal string, never a float' })
  amount?: string;
  @ApiPropertyOptional({ minLength: 16, maxLength: 128, description: 'Transaction hash in the format of the network family' }) txHash?: string;
  @ApiPropertyOptional({ example: 'ord-99812', pattern: '^[A-Za-z0-9_-]{1,64}$', maxLength: 64 }) orderId?: string;
}

/** The ticket resource as the REST API shows it. */
@ApiExtraModels(...Object.values(CHANNEL_DETAILS))
export class TicketResponse {
  @ApiProperty(UUID) id!: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: TicketStatus;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ enum: LANGUAGES, description: 'The language the ticket is handled in' }) language!: Language;
  @ApiProperty({ enum: LANGUAGES, nullable: true, type: String, description: 'The language the customer gave' }) languageGiven!: Language | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 8, description: 'The language detected from subject and body (ISO 639-1)' })
  detectedLanguage!: string | null;
  @ApiProperty({ description: 'Neither given nor detected language is supported: handled in en' }) languageFallback!: boolean;
  @ApiProperty({ nullable: true, type: String, maxLength: 64, example: 'funds-en', description: 'Set once routing has queued the ticket: `security-emergency`, `triage`, `social-escalations` or a category desk per language' })
  queue!: string | null;
  @ApiProperty({ enum: CATEGORIES, nullable: true, type: String, description: 'Set once routing has classified the ticket (or a person corrected it)' }) category!: Category | null;
  @ApiProperty({ enum: PRIORITIES, nullable: true, type: String, description: 'By the routing rules from the category, channel and asset amount' }) priority!: Priority | null;
  @ApiProperty({ nullable: true, type: String, ...ACTOR_ID }) assignee!: string | null;
  @ApiProperty(ACTOR_ID) customerId!: string;
  @ApiProperty({ maxLength: MAX_SUBJECT_LENGTH }) subject!: string;
  @ApiProperty({
    nullable: true,
    description: 'What the channel brought, by `channel`: e-mail message id, social post URL, …',
    oneOf: Object.values(CHANNEL_DETAILS).map((type) => ({ $ref: getSchemaPath(type) })),
    discriminator: { propertyName: 'channel', mapping: Object.fromEntries(Object.entries(CHANNEL_DETAILS).map(([channel, type]) => [channel, getSchemaPath(type)])) },
  })
  channelDetails!: ChannelDetails | null;
  @ApiProperty({ nullable: true, type: AssetContextResponse, description: 'What a money or trading problem is about' })
  assetContext!: AssetContext | null;
  @ApiProperty({ nullable: true, type: String, ...UUID, description: 'The earlier ticket this one continues' }) linkedFromTicketId!: string | null;
  @ApiProperty({ nullable: true, type: String, ...UUID, description: 'Set when merged: reads redirect there' }) mergedInto!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) resolutionCode!: string | null;
  @ApiProperty(INSTANT) createdAt!: string;
  @ApiProperty(INSTANT) updatedAt!: string;
  @ApiProperty({ ...INSTANT, nullable: true, type: String }) firstResponseAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, minimum: 0 }) firstResponseSeconds!: number | null;
  @ApiProperty({ ...INSTANT, nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ ...INSTANT, nullable: true, type: String, description: 'When a resolved ticket closes without a reply' })
  autoCloseAt!: string | null;
  @ApiProperty({ ...INSTANT, nullable: true, type: String }) closedAt!: string | null;
  @ApiProperty({ type: MessageCountsResponse }) messageCounts!: MessageCountsResponse;
}

/** The largest page `limit` allows. */
export const MAX_PAGE_SIZE = 100;

export class TicketPageResponse {
  @ApiProperty({ type: [TicketResponse], maxItems: MAX_PAGE_SIZE }) items!: TicketResponse[];
  @ApiProperty({ nullable: true, type: String, maxLength: 64, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class MessageResponse {
  @ApiProperty({ maxLength: 128 }) id!: string;
  @ApiProperty({ enum: ['customer', 'agent', 'note'] }) kind!: 'customer' | 'agent' | 'note';
  @ApiProperty(ACTOR_ID) authorId!: string;
  @ApiProperty({ maxLength: 20_000 }) body!: string;
  @ApiProperty(INSTANT) postedAt!: string;
}

/** A knowledge-base article offered for the ticket's problem. */
export class ArticleSuggestionResponse {
  @ApiProperty({ maxLength: 128, example: 'reset-2fa-lost-phone' }) id!: string;
  @ApiProperty({ maxLength: 300 }) title!: string;
  @ApiProperty({ enum: CATEGORIES }) category!: Category;
  @ApiProperty({ minimum: 0, description: 'Relevance; higher is better, comparable within one answer only' }) score!: number;
  @ApiProperty({ maxLength: 300, example: '/v1/kb/articles/reset-2fa-lost-phone?lang=en' }) url!: string;
}

/** An opened ticket, with up to 3 articles that may solve it before an agent answers. */
export class OpenedTicketResponse extends TicketResponse {
  @ApiProperty({
    type: [ArticleSuggestionResponse],
    maxItems: 3,
    description: 'Published articles of self-service categories for this problem, best first; empty when none fits or no knowledge base runs here. "This solved it": POST /v1/tickets/{id}/self-served.',
  })
  suggestions!: ArticleSuggestionResponse[];
}
