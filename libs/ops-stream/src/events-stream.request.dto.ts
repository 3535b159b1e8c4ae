import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { CONTEXT_NAMES, type ContextName } from '@ticketing/contracts';

/** A resume position: the `id` of the last event the client got (a global position). */
export const POSITION = /^\d{1,15}$/;

/** `a,b` and repeated parameters alike become one list. */
const commaList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' || Array.isArray(value)
    ? [value].flat().flatMap((item) => (typeof item === 'string' ? item.split(',').map((part) => part.trim()).filter(Boolean) : [item]))
    : value;

export class EventsStreamQuery {
  @ApiPropertyOptional({ description: 'Event types, comma-separated (TicketOpened,TicketQueued); default all', example: ['TicketOpened', 'AgentReplied'] })
  @IsOptional() @Transform(commaList) @IsArray() @ArrayMaxSize(50)
  @Matches(/^[A-Z][A-Za-z0-9]{0,99}$/, { each: true, message: 'each type is an event type name such as TicketOpened' })
  type?: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the events of this ticket’s streams (in every context). Required for customers, and only their own.' })
  @IsOptional() @IsUUID()
  ticketId?: string;

  @ApiPropertyOptional({ enum: CONTEXT_NAMES, description: 'Contexts, comma-separated; default all (and streams outside any context)' })
  @IsOptional() @Transform(commaList) @IsArray() @ArrayMaxSize(CONTEXT_NAMES.length) @IsIn(CONTEXT_NAMES, { each: true })
  context?: ContextName[];

  @ApiPropertyOptional({ description: 'Resume after this event id (global position), for clients that cannot send the Last-Event-ID header; the header wins' })
  @IsOptional() @Matches(POSITION, { message: 'lastEventId is the id of an event of this stream' })
  lastEventId?: string;
}
