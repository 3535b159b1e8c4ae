import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { CHANNELS, LANGUAGES, type Channel, type Language } from '@ticketing/contracts';

export class OpenTicketRequest {
  @ApiProperty({ enum: CHANNELS, example: 'chat' })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Withdrawal pending for 3 hours' })
  @IsString()
  @Length(1, 200)
  subject!: string;

  @ApiProperty({ minLength: 1, maxLength: 20_000, example: 'My BTC withdrawal has been pending since 09:00 UTC.' })
  @IsString()
  @Length(1, 20_000)
  body!: string;

  @ApiProperty({ enum: LANGUAGES, example: 'en' })
  @IsIn(LANGUAGES)
  language!: Language;

  @ApiPropertyOptional({
    description: 'Whose ticket this is. Customers open tickets for themselves and may omit it; agents and services must give it.',
    example: 'cust-42',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._:@-]+$/, { message: 'customerId may contain letters, digits and . _ : @ - only' })
  customerId?: string;
}
