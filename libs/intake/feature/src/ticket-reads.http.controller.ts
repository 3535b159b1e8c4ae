import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { CHANNELS, LANGUAGES, type Channel, type Language, type TicketStatus } from '@ticketing/contracts';
import { ApiUuidParam, CurrentActor, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { MessageResponse, TICKET_STATUSES, TicketPageResponse, TicketResponse } from './ticket.response.dto';
import { TicketListQuery } from './ticket-list/ticket-list.query';

const READERS = ['customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin'] as const;

export class ListTicketsQuery {
  @ApiPropertyOptional({ enum: TICKET_STATUSES }) @IsOptional() @IsIn(TICKET_STATUSES) status?: TicketStatus;
  @ApiPropertyOptional({ enum: CHANNELS }) @IsOptional() @IsIn(CHANNELS) channel?: Channel;
  @ApiPropertyOptional({ enum: LANGUAGES }) @IsOptional() @IsIn(LANGUAGES) language?: Language;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 64) queue?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) assignee?: string;
  @ApiPropertyOptional({ description: 'Staff only; customers always see their own' }) @IsOptional() @IsString() @Length(1, 128) customerId?: string;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35, description: 'Created at or after' }) @IsOptional() @IsISO8601({ strict: true }) createdFrom?: string;
  @ApiPropertyOptional({ format: 'date-time', maxLength: 35, description: 'Created before' }) @IsOptional() @IsISO8601({ strict: true }) createdTo?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @Matches(/^[A-Za-z0-9_-]{1,64}$/) cursor?: string;
}

type RedirectReply = { status(code: number): RedirectReply; header(name: string, value: string): RedirectReply };

const normalizedInstant = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketReadsHttpController {
  constructor(private readonly tickets: TicketListQuery) {}

  @Get()
  @Roles(...READERS)
  @Operation('listTickets', { summary: 'List tickets', description: 'Newest first, cursor-paginated. Customers see only their own tickets.' })
  @ApiOkResponse({ type: TicketPageResponse })
  list(@Query() query: ListTicketsQuery, @CurrentActor() actor: AuthenticatedActor): Promise<TicketPageResponse> {
    return this.tickets.list(
      { ...query, createdFrom: normalizedInstant(query.createdFrom), createdTo: normalizedInstant(query.createdTo), limit: query.limit ?? 20 },
      actor,
    );
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiUuidParam('id', 'The ticket')
  @Operation('getTicket', { summary: 'Get a ticket', description: 'Customers see only their own tickets (others are 404). A merged ticket redirects (308) to the ticket it was merged into.' })
  @ApiOkResponse({ type: TicketResponse })
  @ApiResponse({ status: 308, description: 'Merged: Location names the surviving ticket', headers: { Location: { description: 'The surviving ticket', schema: { type: 'string', format: 'uri-reference', maxLength: 64 } } } })
  async get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentActor() actor: AuthenticatedActor,
    @Res({ passthrough: true }) reply: RedirectReply,
  ): Promise<TicketResponse> {
    const ticket = await this.tickets.getVisible(id, actor);
    if (ticket.mergedInto !== null) reply.status(308).header('location', `/v1/tickets/${ticket.mergedInto}`);
    return ticket;
  }

  @Get(':id/messages')
  @Roles(...READERS)
  @ApiUuidParam('id', 'The ticket')
  @Operation('listTicketMessages', { summary: 'The conversation', description: 'Internal notes are included for staff only, never for customers.' })
  @ApiOkResponse({ type: [MessageResponse] })
  messages(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: AuthenticatedActor): Promise<MessageResponse[]> {
    return this.tickets.messages(id, actor);
  }
}
