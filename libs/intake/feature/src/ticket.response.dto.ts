import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHANNELS, LANGUAGES, type AssetContext, type Channel, type ChannelDetails, type Language, type TicketStatus } from '@ticketing/contracts';

export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed', 'merged'];

export class MessageCountsResponse {
  @ApiProperty() customer!: number;
  @ApiProperty() agent!: number;
  @ApiPropertyOptional({ description: 'Internal notes; never shown to customers' }) notes?: number;
}

/** The ticket resource as the REST API shows it. */
export class TicketResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: TicketStatus;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ enum: LANGUAGES, description: 'The language the ticket is handled in' }) language!: Language;
  @ApiProperty({ enum: LANGUAGES, nullable: true, type: String, description: 'The language the customer gave' }) languageGiven!: Language | null;
  @ApiProperty({ nullable: true, type: String, description: 'The language detected from subject and body (ISO 639-1)' })
  detectedLanguage!: string | null;
  @ApiProperty({ description: 'Neither given nor detected language is supported: handled in en' }) languageFallback!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'chat-en', description: 'Set once routing has queued the ticket' }) queue!: string | null;
  @ApiProperty({ nullable: true, type: String }) assignee!: string | null;
  @ApiProperty() customerId!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ nullable: true, type: Object, description: 'What the channel brought: e-mail message id, social post URL, …' })
  channelDetails!: ChannelDetails | null;
  @ApiProperty({ nullable: true, type: Object, description: 'asset, network, amount (decimal string), txHash, orderId' })
  assetContext!: AssetContext | null;
  @ApiProperty({ nullable: true, type: String, description: 'The earlier ticket this one continues' }) linkedFromTicketId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Set when merged: reads redirect there' }) mergedInto!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolutionCode!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) firstResponseAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) firstResponseSeconds!: number | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When a resolved ticket closes without a reply' })
  autoCloseAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) closedAt!: string | null;
  @ApiProperty({ type: MessageCountsResponse }) messageCounts!: MessageCountsResponse;
}

export class TicketPageResponse {
  @ApiProperty({ type: [TicketResponse] }) items!: TicketResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class MessageResponse {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['customer', 'agent', 'note'] }) kind!: 'customer' | 'agent' | 'note';
  @ApiProperty() authorId!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ format: 'date-time' }) postedAt!: string;
}
