import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const INSTANT = { type: String, format: 'date-time', maxLength: 35 } as const;
const HASH = { type: String, pattern: '^[0-9a-f]{64}$', minLength: 64, maxLength: 64 } as const;
const POSITION = { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

export class AuditActorResponse {
  @ApiProperty({ enum: ['customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin', 'system'] }) kind!: string;
  @ApiProperty({ maxLength: 128 }) id!: string;
}

export class DecidedUnderResponse {
  @ApiPropertyOptional({ maxLength: 64, description: 'The classifier model' }) modelVersion?: string;
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647, description: 'The SLA policy version' }) policyVersion?: number;
}

export class AuditEntryResponse {
  @ApiProperty({ ...POSITION, description: 'Global position: the order every context’s events happened in' }) position!: number;
  @ApiProperty({ maxLength: 200, example: 'routing-019…' }) streamName!: string;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) revision!: number;
  @ApiProperty({ format: 'uuid', maxLength: 36 }) id!: string;
  @ApiProperty({ maxLength: 64, example: 'TicketClassified' }) type!: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 1000 }) schemaVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event, in its current shape (older versions upcast)' }) data!: Record<string, unknown>;
  @ApiProperty({ type: AuditActorResponse }) actor!: AuditActorResponse;
  @ApiProperty({ maxLength: 128 }) correlationId!: string;
  @ApiProperty({ maxLength: 128, description: 'The event or request that caused it' }) causationId!: string;
  @ApiProperty(INSTANT) occurredAt!: string;
  @ApiProperty(INSTANT) recordedAt!: string;
  @ApiProperty(HASH) prevHash!: string;
  @ApiProperty(HASH) hash!: string;
  @ApiProperty({ type: DecidedUnderResponse }) decidedUnder!: DecidedUnderResponse;
}

export class AuditHistoryResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ type: [AuditEntryResponse], maxItems: 1000 }) events!: AuditEntryResponse[];
  @ApiProperty({ type: String, nullable: true, maxLength: 4000, description: 'Pass as `cursor` for the next page; null on the last' }) nextCursor!: string | null;
}

export class StreamVerificationResponse {
  @ApiProperty({ maxLength: 200 }) streamName!: string;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) events!: number;
  @ApiProperty() valid!: boolean;
  @ApiProperty({ ...HASH, nullable: true, description: 'The hash of its last event when the chain holds' }) lastHash!: string | null;
}

export class BrokenLinkResponse {
  @ApiProperty({ maxLength: 200 }) streamName!: string;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) revision!: number;
  @ApiProperty({ enum: ['revision_gap', 'prev_hash_mismatch', 'hash_mismatch', 'stream_mismatch'] }) reason!: string;
  @ApiProperty({ maxLength: 200, description: 'What the link should hold (the recomputed hash, the previous event’s hash, the revision)' }) expected!: string;
  @ApiProperty({ maxLength: 200, description: 'What is stored' }) found!: string;
}

export class TicketVerificationResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: [StreamVerificationResponse], maxItems: 20 }) streams!: StreamVerificationResponse[];
  @ApiProperty({ type: BrokenLinkResponse, nullable: true }) firstBroken!: BrokenLinkResponse | null;
}
