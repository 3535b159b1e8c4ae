import { ApiProperty } from '@nestjs/swagger';
import { CHANNELS, LANGUAGES, type Channel, type Language } from '@ticketing/contracts';

/** The ticket resource as the REST API shows it. */
export class TicketResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['open'] })
  status!: string;

  @ApiProperty({ enum: CHANNELS })
  channel!: Channel;

  @ApiProperty({ enum: LANGUAGES })
  language!: Language;

  @ApiProperty({ nullable: true, type: String, description: 'Set once routing has queued the ticket', example: 'chat-en' })
  queue!: string | null;

  @ApiProperty()
  customerId!: string;

  @ApiProperty()
  subject!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
