import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsObject, IsOptional, IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import { DISPUTE_OUTCOMES, EVIDENCE_KINDS, MARGIN_MODES, POSITION_SIDES, type DisputeOutcome, type EvidenceKind, type MarginMode, type PositionSide } from '@ticketing/contracts';

/** Decimal strings are validated by the domain (it names every bad form); the DTO only bounds them. */
const DECIMAL = { type: String, maxLength: 40, pattern: '^\\d+(\\.\\d+)?$', example: '64210.5' } as const;
const INSTANT = { type: String, format: 'date-time', maxLength: 35 } as const;
const ID = { type: String, maxLength: 128 } as const;
const EVIDENCE_ID = { type: 'string', format: 'uuid', maxLength: 36 } as const;
const HASH = { type: String, pattern: '^[0-9a-f]{64}$', minLength: 64, maxLength: 64, description: 'SHA-256, lowercase hex' } as const;

export class PositionRequest {
  @ApiProperty({ maxLength: 32, example: 'BTCUSDT' }) @IsString() @MaxLength(32) symbol!: string;
  @ApiProperty({ enum: POSITION_SIDES }) @IsString() @MaxLength(8) side!: PositionSide;
  @ApiProperty({ ...DECIMAL, example: '0.75' }) @IsString() @MaxLength(40) size!: string;
  @ApiProperty({ ...DECIMAL, example: '20' }) @IsString() @MaxLength(40) leverage!: string;
  @ApiProperty({ enum: MARGIN_MODES }) @IsString() @MaxLength(16) marginMode!: MarginMode;
}

export class OpenDisputeRequest {
  @ApiProperty({ type: PositionRequest }) @IsDefined() @IsObject() @ValidateNested() @Type(() => PositionRequest) position!: PositionRequest;
  @ApiProperty({ ...DECIMAL, description: 'The forced-liquidation price' }) @IsString() @MaxLength(40) liquidationPrice!: string;
  @ApiProperty({ ...INSTANT, description: 'When the position was liquidated' }) @IsString() @MaxLength(35) liquidatedAt!: string;
}

export class SubmitEvidenceRequest {
  @ApiProperty({ enum: EVIDENCE_KINDS }) @IsIn(EVIDENCE_KINDS) kind!: EvidenceKind;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'By kind: index_price {indexPrice, at}; mark_price {markPrice, at}; funding {rate, at, payment?}; trade_log {orders?, fills?, marginRatios?} (lists of objects); statement {text}; attachment {name, mediaType, size, sha256} of bytes uploaded first. Amounts, prices and rates are decimal strings; numbers must be exact integers. At most 1 MB as canonical JSON.',
  })
  @IsObject()
  content!: Record<string, unknown>;
}

export class CompensationRequest {
  @ApiProperty({ ...DECIMAL, example: '125.4' }) @IsString() @MaxLength(40) amount!: string;
  @ApiProperty({ maxLength: 15, example: 'USDT' }) @IsString() @MaxLength(15) asset!: string;
}

export class DecideDisputeRequest {
  @ApiProperty({ enum: DISPUTE_OUTCOMES, description: 'upheld: the customer is right; compensated: and is paid `compensation`; rejected: the liquidation stands' })
  @IsIn(DISPUTE_OUTCOMES)
  outcome!: DisputeOutcome;
  @ApiPropertyOptional({ type: CompensationRequest, description: 'Exactly when the outcome is compensated' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CompensationRequest)
  compensation?: CompensationRequest;
  @ApiProperty({ minLength: 1, maxLength: 2000, description: 'Why, in words the customer reads' }) @IsString() @Length(1, 2000) reason!: string;
  @ApiProperty({ type: 'array', items: EVIDENCE_ID, minItems: 1, maxItems: 100, description: 'The evidence ids the decision rests on (at least one, all of this case)' })
  @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(64, { each: true })
  citedEvidenceIds!: string[];
}

export class AppealDisputeRequest {
  @ApiProperty({ minLength: 1, maxLength: 2000 }) @IsString() @Length(1, 2000) reason!: string;
}

export class UploadAttachmentRequest {
  @ApiProperty({ format: 'byte', maxLength: 50_000_000, description: 'The file, base64; its size is bounded by TICKETING_HTTP_BODY_LIMIT' })
  @IsString() @MaxLength(50_000_000)
  contentBase64!: string;
}

export class StoredAttachmentResponse {
  @ApiProperty(HASH) sha256!: string;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: 104857600 }) size!: number;
}

export class ActorViewResponse {
  @ApiProperty({ enum: ['customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin', 'system'] }) kind!: string;
  @ApiPropertyOptional({ ...ID, description: 'Absent for staff in a customer’s view' }) id?: string;
}

export class PositionResponse extends PositionRequest {}

export class AssessmentResponse {
  @ApiProperty({ ...DECIMAL, description: '|liquidation − index| / index, 18 decimals rounded up' }) deviation!: string;
  @ApiProperty({ ...DECIMAL, example: '0.005' }) tolerance!: string;
  @ApiProperty({ description: 'Exactly at the tolerance is within' }) withinTolerance!: boolean;
  @ApiProperty(DECIMAL) indexPrice!: string;
  @ApiProperty(DECIMAL) liquidationPrice!: string;
  @ApiProperty({ type: 'array', items: EVIDENCE_ID, maxItems: 10, description: 'The index price item(s) used' }) evidenceIds!: string[];
  @ApiProperty(INSTANT) assessedAt!: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10 }) round!: number;
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
}

export class CompensationResponse extends CompensationRequest {}

export class DecisionResponse {
  @ApiProperty({ enum: DISPUTE_OUTCOMES }) outcome!: DisputeOutcome;
  @ApiProperty({ type: CompensationResponse, nullable: true }) compensation!: CompensationResponse | null;
  @ApiProperty({ maxLength: 2000 }) reason!: string;
  @ApiProperty({ type: 'array', items: EVIDENCE_ID, maxItems: 100 }) citedEvidenceIds!: string[];
  @ApiProperty({ type: ActorViewResponse }) decidedBy!: ActorViewResponse;
  @ApiProperty(INSTANT) decidedAt!: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10 }) round!: number;
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
}

export class AppealOfResponse {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10 }) round!: number;
  @ApiProperty({ maxLength: 2000 }) reason!: string;
}

export class RoundResponse {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10 }) round!: number;
  @ApiProperty({ type: ActorViewResponse }) openedBy!: ActorViewResponse;
  @ApiProperty(INSTANT) openedAt!: string;
  @ApiProperty(DECIMAL) tolerance!: string;
  @ApiProperty({ type: AppealOfResponse, nullable: true }) appealOf!: AppealOfResponse | null;
  @ApiProperty({ type: AssessmentResponse, nullable: true }) assessment!: AssessmentResponse | null;
  @ApiProperty({ type: DecisionResponse, nullable: true }) decision!: DecisionResponse | null;
}

export class EvidenceItemResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'Derived from the ticket, kind and content hash: the same item twice is one item' }) evidenceId!: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10 }) round!: number;
  @ApiProperty({ enum: EVIDENCE_KINDS }) kind!: EvidenceKind;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'As submitted' }) content!: Record<string, unknown>;
  @ApiProperty({ ...HASH, description: 'SHA-256 over the RFC 8785 canonical JSON of `content`' }) contentHash!: string;
  @ApiProperty({ type: ActorViewResponse }) submittedBy!: ActorViewResponse;
  @ApiProperty(INSTANT) submittedAt!: string;
}

export class DisputeResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ enum: ['open', 'sealed'], description: 'sealed: decided; only an appeal may follow' }) status!: 'open' | 'sealed';
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10 }) round!: number;
  @ApiPropertyOptional({ ...ID, description: 'Staff views only' }) customerId?: string;
  @ApiProperty({ type: PositionResponse }) position!: PositionResponse;
  @ApiProperty(DECIMAL) liquidationPrice!: string;
  @ApiProperty(INSTANT) liquidatedAt!: string;
  @ApiProperty({ ...DECIMAL, description: 'The current round’s tolerance (a fraction: 0.005 is 0.5%)' }) tolerance!: string;
  @ApiProperty({ type: AssessmentResponse, nullable: true, description: 'Null until an index price for the liquidation time is in evidence' }) assessment!: AssessmentResponse | null;
  @ApiProperty({ type: DecisionResponse, nullable: true }) decision!: DecisionResponse | null;
  @ApiProperty({ type: [RoundResponse], maxItems: 10 }) rounds!: RoundResponse[];
  @ApiProperty({ type: [EvidenceItemResponse], maxItems: 10000, description: 'Every item of every round, the complete trading log included' }) items!: EvidenceItemResponse[];
}

export class SigningKeyResponse {
  @ApiProperty({ maxLength: 64, example: 'ed25519:3f9a…' }) keyId!: string;
  @ApiProperty({ maxLength: 1000, description: 'SPKI PEM: give it to `ticketing audit verify-bundle --public-key`' }) publicKeyPem!: string;
}
