import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { RECOVERY_CONDITIONS, type RecoveryCondition } from '@ticketing/contracts';
import { RECOVERY_STATUSES } from '@ticketing/disputes-domain';
import { ActorViewResponse } from './disputes.dto';

const DECIMAL = { type: String, maxLength: 40, pattern: '^\\d+(\\.\\d+)?$', example: '50000' } as const;
const INSTANT = { type: String, format: 'date-time', maxLength: 35 } as const;
const NETWORK = { type: String, maxLength: 40, example: 'BSC', description: 'A network name or alias (ETH, ERC20, BSC, BEP20, TRON, TRC20, XRP, …)' } as const;

export class RequestRecoveryRequest {
  @ApiProperty({ maxLength: 15, example: 'ETH' }) @IsString() @MaxLength(15) asset!: string;
  @ApiProperty(DECIMAL) @IsString() @MaxLength(40) amount!: string;
  @ApiProperty({ maxLength: 128, example: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060' }) @IsString() @MaxLength(128) txHash!: string;
  @ApiProperty({ ...NETWORK, description: 'The network it was sent on' }) @IsString() @MaxLength(40) sentNetwork!: string;
  @ApiProperty({ ...NETWORK, example: 'ETH', description: 'The network the deposit address expects' }) @IsString() @MaxLength(40) expectedNetwork!: string;
  @ApiProperty({ maxLength: 128, example: '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90' }) @IsString() @MaxLength(128) address!: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'The memo/tag given with the transfer; null or absent when none was' })
  @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(64)
  memo?: string | null;
}

export class QuoteDecisionRequest {
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The quote being accepted or declined (the current one)' }) @IsString() @MaxLength(36) quoteId!: string;
}

export class DeclineQuoteRequest extends QuoteDecisionRequest {
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @Length(1, 2000) reason?: string;
}

export class RecoveryProofRequest {
  @ApiProperty({ enum: RECOVERY_CONDITIONS }) @IsIn(RECOVERY_CONDITIONS) condition!: RecoveryCondition;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'E.g. a signed message from the sending address, or a statement with the wallet’s screenshot hash' })
  @IsObject()
  content!: Record<string, unknown>;
}

export const RECOVERY_COMPLETIONS = ['succeeded', 'failed'] as const;

export class CompleteRecoveryRequest {
  @ApiProperty({ enum: RECOVERY_COMPLETIONS }) @IsIn(RECOVERY_COMPLETIONS) outcome!: (typeof RECOVERY_COMPLETIONS)[number];
  @ApiPropertyOptional({ maxLength: 2000, description: 'Required when failed' }) @ValidateIf((request: CompleteRecoveryRequest) => request.outcome === 'failed') @IsString() @Length(1, 2000) reason?: string;
  @ApiPropertyOptional({ maxLength: 128, description: 'The crediting transaction, when succeeded' }) @IsOptional() @IsString() @Length(8, 128) creditTxHash?: string;
}

export class DepositResponse {
  @ApiProperty({ maxLength: 15 }) asset!: string;
  @ApiProperty(DECIMAL) amount!: string;
  @ApiProperty({ maxLength: 128 }) txHash!: string;
  @ApiProperty({ maxLength: 40 }) sentNetwork!: string;
  @ApiProperty({ maxLength: 40 }) expectedNetwork!: string;
  @ApiProperty({ maxLength: 128 }) address!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 64 }) memo!: string | null;
}

export class EtaWorkingDaysResponse {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 365 }) min!: number;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 365 }) max!: number;
}

export class QuoteResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) quoteId!: string;
  @ApiProperty(DECIMAL) amount!: string;
  @ApiProperty({ maxLength: 15 }) asset!: string;
  @ApiProperty({ ...DECIMAL, description: 'Charged only if the funds are recovered' }) fee!: string;
  @ApiProperty({ ...DECIMAL, example: '0.1' }) feeRate!: string;
  @ApiProperty({ ...DECIMAL, description: 'amount − fee: credited if, and only if, the recovery succeeds' }) creditedOnSuccess!: string;
  @ApiProperty({ type: EtaWorkingDaysResponse }) etaWorkingDays!: EtaWorkingDaysResponse;
  @ApiProperty({ maxLength: 64, description: 'The calendar the working days are counted on' }) calendar!: string;
  @ApiProperty(INSTANT) quotedAt!: string;
  @ApiProperty(INSTANT) validUntil!: string;
  @ApiProperty({ description: 'Past validUntil while still unanswered: request a new quote' }) expired!: boolean;
  @ApiProperty({ type: ActorViewResponse }) quotedBy!: ActorViewResponse;
}

export class RecoveryProofResponse {
  @ApiProperty({ enum: RECOVERY_CONDITIONS }) condition!: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', minLength: 64, maxLength: 64 }) contentHash!: string;
  @ApiProperty(INSTANT) submittedAt!: string;
  @ApiProperty({ type: ActorViewResponse }) submittedBy!: ActorViewResponse;
}

export class RecoveryResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) ticketId!: string;
  @ApiProperty({ enum: RECOVERY_STATUSES }) status!: string;
  @ApiPropertyOptional({ maxLength: 128, description: 'Staff views only' }) customerId?: string;
  @ApiProperty({ type: DepositResponse }) deposit!: DepositResponse;
  @ApiProperty({ maxLength: 64, description: 'The feasibility rule that matched' }) rule!: string;
  @ApiProperty({ type: [String], enum: RECOVERY_CONDITIONS, maxItems: 8 }) conditions!: string[];
  @ApiProperty({ type: ActorViewResponse }) requestedBy!: ActorViewResponse;
  @ApiProperty(INSTANT) requestedAt!: string;
  @ApiProperty({ type: QuoteResponse, nullable: true }) quote!: QuoteResponse | null;
  @ApiProperty({ ...INSTANT, nullable: true }) acceptedAt!: string | null;
  @ApiProperty({ ...INSTANT, nullable: true, description: 'Earliest end of the estimated window, from acceptance' }) etaFrom!: string | null;
  @ApiProperty({ ...INSTANT, nullable: true, description: 'Latest end of the estimated window; past it, an alert (RecoveryEtaOverrun)' }) etaTo!: string | null;
  @ApiProperty() etaOverrun!: boolean;
  @ApiProperty({ type: [RecoveryProofResponse], maxItems: 100 }) proofs!: RecoveryProofResponse[];
  @ApiProperty({ ...INSTANT, nullable: true }) tracingStartedAt!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'succeeded {credited, fee, …}, failed {reason} (no fee) or declined' }) outcome!: Record<string, unknown> | null;
  @ApiProperty({ maxLength: 1000, description: 'Shown to the customer with every quote: recovery is attempted, never promised' }) notice!: string;
}
