import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { MergeRequest, MessageRequest, ResolveRequest, SelfServeRequest } from '../ticket-writes.http.controller';

/*
 * gRPC requests carry the ticket id in the message where REST has it in the path: these are the
 * REST body DTOs (same rules, inherited) plus the id, checked as REST's ParseUUIDPipe does.
 */

export class TicketIdRequest {
  @IsUUID() ticketId!: string;
}

export class TicketMessageRequest extends MessageRequest {
  @IsUUID() ticketId!: string;
}

export class TicketResolveRequest extends ResolveRequest {
  @IsUUID() ticketId!: string;
}

export class TicketSelfServeRequest extends SelfServeRequest {
  @IsUUID() ticketId!: string;
}

export class TicketMergeRequest extends MergeRequest {
  @IsUUID() ticketId!: string;
}

export class WatchTicketRequest {
  @IsUUID() ticketId!: string;
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) fromPosition?: number;
}
