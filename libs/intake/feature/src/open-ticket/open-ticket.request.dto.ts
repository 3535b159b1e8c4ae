import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsIn, IsObject, IsOptional, IsString, IsUrl, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { CHANNELS, CHANNELS_WITHOUT_SUBJECT, LANGUAGES, SOCIAL_PLATFORMS, type Channel, type Language, type SocialPlatform } from '@ticketing/contracts';
import { MAX_AMOUNT_DECIMALS, MAX_AMOUNT_SIGNIFICANT_DIGITS } from '@ticketing/intake-domain';

const ID = /^[A-Za-z0-9._:@<>+=/-]+$/;

export class ChatDetailsRequest {
  @ApiProperty({ example: 'chat-session-8841' }) @IsString() @Length(1, 128) @Matches(ID) sessionId!: string;
}

export class EmailDetailsRequest {
  @ApiProperty({ example: 'alice@example.com' }) @IsEmail() @Length(3, 254) fromAddress!: string;
  @ApiProperty({ description: 'RFC 5322 Message-ID; replies thread onto the ticket by it', example: '<CA+abc@mail.example.com>' })
  @IsString() @Length(3, 998) @Matches(/^\S+$/, { message: 'messageId must not contain whitespace' })
  messageId!: string;
  @ApiPropertyOptional({ description: 'Message-ID this e-mail replies to: it threads onto that ticket instead of opening one' })
  @IsOptional() @IsString() @Length(3, 998) @Matches(/^\S+$/, { message: 'inReplyTo must not contain whitespace' })
  inReplyTo?: string;
}

export class WebFormDetailsRequest {
  @ApiProperty({ example: 'withdrawal-help' }) @IsString() @Length(1, 64) @Matches(ID) formId!: string;
}

export class SocialDetailsRequest {
  @ApiProperty({ enum: SOCIAL_PLATFORMS }) @IsIn(SOCIAL_PLATFORMS) platform!: SocialPlatform;
  @ApiProperty({ example: '@angry_trader' }) @IsString() @Length(1, 64) @Matches(/^@?[A-Za-z0-9._-]+$/) handle!: string;
  @ApiProperty({ example: 'https://x.com/angry_trader/status/1790000000000000000' })
  @IsUrl({ protocols: ['https'], require_protocol: true }) @Length(10, 2048)
  postUrl!: string;
}

export class ApiDetailsRequest {
  @ApiProperty({ example: 'partner-broker-7' }) @IsString() @Length(1, 128) @Matches(ID) clientId!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) @Matches(ID) externalReference?: string;
}

export class AssetContextRequest {
  @ApiPropertyOptional({ example: 'USDT' }) @IsOptional() @Matches(/^[A-Z0-9]{2,15}$/, { message: 'asset is an upper-case ticker (2–15 letters or digits)' })
  asset?: string;
  @ApiPropertyOptional({ example: 'TRC20' }) @IsOptional() @Matches(/^[A-Z0-9_-]{2,20}$/, { message: 'network is an upper-case network code' })
  network?: string;
  @ApiPropertyOptional({
    example: '1250.50',
    pattern: '^(0|[1-9]\\d*)(\\.\\d+)?$',
    maxLength: MAX_AMOUNT_SIGNIFICANT_DIGITS + 1,
    description: `Decimal string, never a float: positive, at most ${MAX_AMOUNT_DECIMALS} decimals and ${MAX_AMOUNT_SIGNIFICANT_DIGITS} significant digits`,
  })
  @IsOptional() @IsString()
  amount?: string;
  @ApiPropertyOptional({ description: 'Transaction hash in the format of the network family' }) @IsOptional() @IsString() @Length(16, 128)
  txHash?: string;
  @ApiPropertyOptional({ example: 'ord-99812' }) @IsOptional() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'orderId: 1–64 letters, digits, _ or -' })
  orderId?: string;
}

const detailsFor = (channel: Channel) => (request: OpenTicketRequest, value: unknown) => request.channel === channel || value !== undefined;

export class OpenTicketRequest {
  @ApiProperty({ enum: CHANNELS, example: 'chat' })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    example: 'Withdrawal pending for 3 hours',
    description:
      'Required for channels email and web_form. Optional for chat, social and api: when absent, the first sentence of the body ' +
      '(white space collapsed, cut at a word to 200 characters with …) is shown.',
  })
  @ValidateIf((request: OpenTicketRequest) => request.subject !== undefined || !(CHANNELS_WITHOUT_SUBJECT as readonly string[]).includes(request.channel))
  @IsString()
  @Length(1, 200)
  subject?: string;

  @ApiProperty({ minLength: 1, maxLength: 20_000, example: 'My BTC withdrawal has been pending since 09:00 UTC.' })
  @IsString()
  @Length(1, 20_000)
  body!: string;

  @ApiPropertyOptional({ enum: LANGUAGES, description: 'When absent, detected from subject and body; unsupported → en (flagged)' })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;

  @ApiPropertyOptional({
    description: 'Whose ticket this is. Customers open tickets for themselves and may omit it; staff and services must give it.',
    example: 'cust-42',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._:@-]+$/, { message: 'customerId may contain letters, digits and . _ : @ - only' })
  customerId?: string;

  @ApiPropertyOptional({
    example: 'kb-7f3a9c',
    maxLength: 128,
    pattern: '^[A-Za-z0-9._:-]{1,128}$',
    description: 'The knowledge-base session (`GET /v1/kb/suggest?sessionId=`) the customer saw suggestions in: the ticket then counts as not deflected',
  })
  @IsOptional() @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'sessionId: 1–128 letters, digits or . _ : -' })
  sessionId?: string;

  @ApiPropertyOptional({ type: ChatDetailsRequest, description: 'Required for channel chat' })
  @ValidateIf(detailsFor('chat')) @IsDefined() @IsObject() @ValidateNested() @Type(() => ChatDetailsRequest)
  chat?: ChatDetailsRequest;

  @ApiPropertyOptional({ type: EmailDetailsRequest, description: 'Required for channel email' })
  @ValidateIf(detailsFor('email')) @IsDefined() @IsObject() @ValidateNested() @Type(() => EmailDetailsRequest)
  email?: EmailDetailsRequest;

  @ApiPropertyOptional({ type: WebFormDetailsRequest, description: 'Required for channel web_form' })
  @ValidateIf(detailsFor('web_form')) @IsDefined() @IsObject() @ValidateNested() @Type(() => WebFormDetailsRequest)
  webForm?: WebFormDetailsRequest;

  @ApiPropertyOptional({ type: SocialDetailsRequest, description: 'Required for channel social (a public complaint)' })
  @ValidateIf(detailsFor('social')) @IsDefined() @IsObject() @ValidateNested() @Type(() => SocialDetailsRequest)
  social?: SocialDetailsRequest;

  @ApiPropertyOptional({ type: ApiDetailsRequest, description: 'Required for channel api' })
  @ValidateIf(detailsFor('api')) @IsDefined() @IsObject() @ValidateNested() @Type(() => ApiDetailsRequest)
  api?: ApiDetailsRequest;

  @ApiPropertyOptional({ type: AssetContextRequest })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AssetContextRequest)
  assetContext?: AssetContextRequest;
}
