import { Controller, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsUUID } from 'class-validator';
import { ValidationError } from '@ticketing/kernel';
import {
  CurrentActor,
  GrpcCorrelationInterceptor,
  IdempotencyInterceptor,
  isoFromTimestamp,
  MAX_BODY_DEPTH,
  nestingDepth,
  protoEnum,
  RateLimitClass,
  Roles,
  toOptionalTimestamp,
  toTimestamp,
  unrepresentable,
  validated,
  type AuthenticatedActor,
  type EnumValue,
  type TimestampMessage,
} from '@ticketing/platform';
import { DisputeBundleService } from '../bundle/dispute-bundle.service';
import type { ActorView, DisputeView } from '../case-view';
import { DisputesService } from '../dispute/disputes.service';
import { AppealDisputeRequest, DecideDisputeRequest, OpenDisputeRequest, SubmitEvidenceRequest } from '../http/disputes.dto';
import { CompleteRecoveryRequest, DeclineQuoteRequest, QuoteDecisionRequest, RecoveryProofRequest, RequestRecoveryRequest } from '../http/recoveries.dto';
import { RecoveriesService, type RecoveryView } from '../recovery/recoveries.service';

const SERVICE = 'DisputesService';
const STAFF = ['agent', 'supervisor', 'admin'] as const;
const READERS = ['auditor', 'ops'] as const;

const actorKindEnum = protoEnum('ACTOR_KIND_');
const positionSideEnum = protoEnum('POSITION_SIDE_');
const marginModeEnum = protoEnum('MARGIN_MODE_');
const evidenceKindEnum = protoEnum('EVIDENCE_KIND_');
const outcomeEnum = protoEnum('DISPUTE_OUTCOME_');
const disputeStatusEnum = protoEnum('DISPUTE_STATUS_');
const recoveryStatusEnum = protoEnum('RECOVERY_STATUS_');
const conditionEnum = protoEnum('RECOVERY_CONDITION_');
const outcomeKindEnum = protoEnum('RECOVERY_OUTCOME_KIND_');
const completionEnum = protoEnum('RECOVERY_COMPLETION_');

/** A request's enum value as the REST DTO spells it; UNSPECIFIED (left out) is empty, which the DTO or the domain refuses by name. */
const fromEnum = (codec: ReturnType<typeof protoEnum>, value: EnumValue | undefined | null): string => {
  const decoded = codec.fromProto(value ?? 0);
  return decoded === 'unspecified' || decoded === '0' ? '' : decoded;
};

class TicketIdRequest {
  @IsUUID() ticketId!: string;
}

class OpenDisputeMessageRequest extends OpenDisputeRequest {
  @IsUUID() ticketId!: string;
}

class SubmitEvidenceMessageRequest extends SubmitEvidenceRequest {
  @IsUUID() ticketId!: string;
}

class DecideDisputeMessageRequest extends DecideDisputeRequest {
  @IsUUID() ticketId!: string;
}

class AppealDisputeMessageRequest extends AppealDisputeRequest {
  @IsUUID() ticketId!: string;
}

class RequestRecoveryMessageRequest extends RequestRecoveryRequest {
  @IsUUID() ticketId!: string;
}

class AcceptQuoteMessageRequest extends QuoteDecisionRequest {
  @IsUUID() ticketId!: string;
}

class DeclineQuoteMessageRequest extends DeclineQuoteRequest {
  @IsUUID() ticketId!: string;
}

class RecoveryProofMessageRequest extends RecoveryProofRequest {
  @IsUUID() ticketId!: string;
}

class CompleteRecoveryMessageRequest extends CompleteRecoveryRequest {
  @IsUUID() ticketId!: string;
}

// ---- JSON content (`content_json`) ----

/**
 * `content_json` as the object REST would have received as `content`: JSON text holding one object.
 * Anything else is INVALID_ARGUMENT saying what it is instead.
 */
function jsonObjectOf(text: string | undefined): Record<string, unknown> {
  const refuse = (message: string): never => {
    throw new ValidationError(`The request is invalid: contentJson: ${message}`, [{ field: 'contentJson', message }]);
  };
  const json = text ?? '';
  if (json.trim() === '') return refuse('is required: a JSON object as text, e.g. {"text": "…"}');
  if (nestingDepth(json) > MAX_BODY_DEPTH) return refuse(`must be a JSON object nested at most ${MAX_BODY_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return refuse(`is not valid JSON (${(error as Error).message}); it must be a JSON object as text`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(`must be a JSON object ({…}), not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`);
  }
  // What REST's body parser also refuses: numbers JSON cannot carry (1e309) and lone surrogates.
  const [problem] = unrepresentable(value, 'contentJson');
  if (problem !== undefined) return refuse(`holds a value the API cannot store: ${problem.message}`);
  return value as Record<string, unknown>;
}


// ---- Responses ----

const toActor = (actor: ActorView) => ({ kind: actorKindEnum.toProto(actor.kind), ...(actor.id !== undefined && { id: actor.id }) });

type AssessmentView = NonNullable<DisputeView['assessment']>;
type DecisionView = NonNullable<DisputeView['decision']>;

const toAssessment = (assessment: AssessmentView | null) =>
  assessment === null
    ? undefined
    : {
        deviation: assessment.deviation,
        tolerance: assessment.tolerance,
        withinTolerance: assessment.withinTolerance,
        indexPrice: assessment.indexPrice,
        liquidationPrice: assessment.liquidationPrice,
        evidenceIds: [...assessment.evidenceIds],
        assessedAt: toTimestamp(assessment.assessedAt),
        round: assessment.round,
      };

const toDecision = (decision: DecisionView | null) =>
  decision === null
    ? undefined
    : {
        outcome: outcomeEnum.toProto(decision.outcome),
        ...(decision.compensation !== null && { compensation: { amount: decision.compensation.amount, asset: decision.compensation.asset } }),
        reason: decision.reason,
        citedEvidenceIds: [...decision.citedEvidenceIds],
        decidedBy: toActor(decision.decidedBy),
        decidedAt: toTimestamp(decision.decidedAt),
        round: decision.round,
      };

function toDispute(view: DisputeView) {
  return {
    ticketId: view.ticketId,
    status: disputeStatusEnum.toProto(view.status),
    round: view.round,
    ...(view.customerId !== undefined && { customerId: view.customerId }),
    position: {
      symbol: view.position.symbol,
      side: positionSideEnum.toProto(view.position.side),
      size: view.position.size,
      leverage: view.position.leverage,
      marginMode: marginModeEnum.toProto(view.position.marginMode),
    },
    liquidationPrice: view.liquidationPrice,
    liquidatedAt: toTimestamp(view.liquidatedAt),
    tolerance: view.tolerance,
    assessment: toAssessment(view.assessment),
    decision: toDecision(view.decision),
    rounds: view.rounds.map((round) => ({
      round: round.round,
      openedBy: toActor(round.openedBy),
      openedAt: toTimestamp(round.openedAt),
      tolerance: round.tolerance,
      appealOf: round.appealOf === null ? undefined : { round: round.appealOf.round, reason: round.appealOf.reason },
      assessment: toAssessment(round.assessment),
      decision: toDecision(round.decision),
    })),
    items: view.items.map((item) => ({
      evidenceId: item.evidenceId,
      round: item.round,
      kind: evidenceKindEnum.toProto(item.kind),
      contentJson: JSON.stringify(item.content),
      contentHash: item.contentHash,
      submittedBy: toActor(item.submittedBy),
      submittedAt: toTimestamp(item.submittedAt),
    })),
  };
}

/** A recovery's outcome as the view carries it (the domain's outcome, its actor as the viewer may see it). */
type OutcomeView = Readonly<{
  kind: 'succeeded' | 'failed' | 'declined';
  by: ActorView;
  at: string;
  amount?: string;
  fee?: string;
  credited?: string;
  asset?: string;
  creditTxHash?: string | null;
  reason?: string | null;
  quoteId?: string;
}>;

function toOutcome(outcome: OutcomeView) {
  return {
    kind: outcomeKindEnum.toProto(outcome.kind),
    by: toActor(outcome.by),
    at: toTimestamp(outcome.at),
    amount: outcome.amount ?? '',
    fee: outcome.fee ?? '',
    credited: outcome.credited ?? '',
    asset: outcome.asset ?? '',
    ...(typeof outcome.creditTxHash === 'string' && { creditTxHash: outcome.creditTxHash }),
    ...(typeof outcome.reason === 'string' && { reason: outcome.reason }),
    quoteId: outcome.quoteId ?? '',
  };
}

function toRecovery(view: RecoveryView) {
  const { deposit, quote } = view;
  return {
    ticketId: view.ticketId,
    status: recoveryStatusEnum.toProto(view.status),
    ...(view.customerId !== undefined && { customerId: view.customerId }),
    deposit: {
      asset: deposit.asset,
      amount: deposit.amount,
      txHash: deposit.txHash,
      sentNetwork: deposit.sentNetwork,
      expectedNetwork: deposit.expectedNetwork,
      address: deposit.address,
      ...(deposit.memo !== null && { memo: deposit.memo }),
    },
    rule: view.rule,
    conditions: view.conditions.map(conditionEnum.toProto),
    requestedBy: toActor(view.requestedBy),
    requestedAt: toTimestamp(view.requestedAt),
    quote:
      quote === null
        ? undefined
        : {
            quoteId: quote.quoteId,
            amount: quote.amount,
            asset: quote.asset,
            fee: quote.fee,
            feeRate: quote.feeRate,
            creditedOnSuccess: quote.creditedOnSuccess,
            etaWorkingDays: { min: quote.etaWorkingDays.min, max: quote.etaWorkingDays.max },
            calendar: quote.calendar,
            quotedAt: toTimestamp(quote.quotedAt),
            validUntil: toTimestamp(quote.validUntil),
            expired: quote.expired,
            quotedBy: toActor(quote.quotedBy),
          },
    acceptedAt: toOptionalTimestamp(view.acceptedAt),
    etaFrom: toOptionalTimestamp(view.etaFrom),
    etaTo: toOptionalTimestamp(view.etaTo),
    etaOverrun: view.etaOverrun,
    proofs: view.proofs.map((proof) => ({
      condition: conditionEnum.toProto(proof.condition),
      contentHash: proof.contentHash,
      submittedAt: toTimestamp(proof.submittedAt),
      submittedBy: toActor(proof.submittedBy),
    })),
    tracingStartedAt: toOptionalTimestamp(view.tracingStartedAt),
    outcome: view.outcome === null ? undefined : toOutcome(view.outcome as unknown as OutcomeView),
    notice: view.notice,
  };
}

// ---- Request messages, as @grpc/proto-loader hands them over ----

type PositionMessage = Readonly<{ symbol?: string; side?: EnumValue; size?: string; leverage?: string; marginMode?: EnumValue }>;
type OpenDisputeMessage = Readonly<{ ticketId: string; position?: PositionMessage | null; liquidationPrice?: string; liquidatedAt?: TimestampMessage | null }>;
type DecideDisputeMessage = Readonly<{
  ticketId: string;
  outcome?: EnumValue;
  compensation?: Readonly<{ amount?: string; asset?: string }> | null;
  reason?: string;
  citedEvidenceIds?: string[];
}>;
type RequestRecoveryMessage = Readonly<{
  ticketId: string;
  asset?: string;
  amount?: string;
  txHash?: string;
  sentNetwork?: string;
  expectedNetwork?: string;
  address?: string;
  memo?: string;
}>;

/**
 * ticketing.disputes.v1.DisputesService: the REST operations of /v1/disputes and /v1/recoveries with
 * the same roles and validation (the REST DTOs), answered by the same services.
 */
@Controller()
@UseInterceptors(GrpcCorrelationInterceptor)
export class DisputesGrpcController {
  constructor(
    private readonly disputes: DisputesService,
    private readonly recoveries: RecoveriesService,
    private readonly bundles: DisputeBundleService,
  ) {}

  @GrpcMethod(SERVICE, 'GetDisputeSigningKey')
  @RateLimitClass('read')
  @Roles('customer', ...STAFF, ...READERS, 'service')
  async getDisputeSigningKey() {
    const { keyId, publicKeyPem } = await this.bundles.publicKey();
    return { keyId, publicKeyPem };
  }

  // ---- Disputes ----

  @GrpcMethod(SERVICE, 'OpenDispute')
  @Roles('customer', ...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async openDispute(@Payload() message: OpenDisputeMessage, @CurrentActor() actor: AuthenticatedActor) {
    const position = message.position ?? {};
    const request = await validated(OpenDisputeMessageRequest, {
      ticketId: message.ticketId,
      position: {
        symbol: position.symbol ?? '',
        side: fromEnum(positionSideEnum, position.side),
        size: position.size ?? '',
        leverage: position.leverage ?? '',
        marginMode: fromEnum(marginModeEnum, position.marginMode),
      },
      liquidationPrice: message.liquidationPrice ?? '',
      liquidatedAt: isoFromTimestamp('liquidatedAt', message.liquidatedAt) ?? '',
    });
    return toDispute(await this.disputes.open(request.ticketId, { position: { ...request.position }, liquidationPrice: request.liquidationPrice, liquidatedAt: request.liquidatedAt }, actor));
  }

  @GrpcMethod(SERVICE, 'GetDispute')
  @RateLimitClass('read')
  @Roles('customer', ...STAFF, ...READERS)
  async getDispute(@Payload() message: { ticketId: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toDispute(await this.disputes.view(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'SubmitDisputeEvidence')
  @Roles('customer', ...STAFF, 'service')
  @UseInterceptors(IdempotencyInterceptor)
  async submitDisputeEvidence(@Payload() message: { ticketId: string; kind?: EnumValue; contentJson?: string }, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(SubmitEvidenceMessageRequest, {
      ticketId: message.ticketId,
      kind: fromEnum(evidenceKindEnum, message.kind),
      content: jsonObjectOf(message.contentJson),
    });
    return toDispute(await this.disputes.submitEvidence(request.ticketId, { kind: request.kind, content: request.content }, actor));
  }

  @GrpcMethod(SERVICE, 'UploadDisputeAttachment')
  @Roles('customer', ...STAFF, 'service')
  @UseInterceptors(IdempotencyInterceptor)
  async uploadDisputeAttachment(@Payload() message: { ticketId: string; content?: Uint8Array | null }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    const content = message.content ?? new Uint8Array();
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const stored = await this.disputes.storeAttachment(ticketId, bytes, actor);
    return { sha256: stored.sha256, size: stored.size };
  }

  @GrpcMethod(SERVICE, 'DecideDispute')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async decideDispute(@Payload() message: DecideDisputeMessage, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(DecideDisputeMessageRequest, {
      ticketId: message.ticketId,
      outcome: fromEnum(outcomeEnum, message.outcome),
      ...(message.compensation && { compensation: { amount: message.compensation.amount ?? '', asset: message.compensation.asset ?? '' } }),
      reason: message.reason ?? '',
      citedEvidenceIds: message.citedEvidenceIds ?? [],
    });
    const { ticketId, compensation, ...decision } = request;
    return toDispute(await this.disputes.decide(ticketId, { ...decision, compensation: compensation === undefined ? undefined : { ...compensation } }, actor));
  }

  @GrpcMethod(SERVICE, 'AppealDispute')
  @Roles('customer', ...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async appealDispute(@Payload() message: { ticketId: string; reason?: string }, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(AppealDisputeMessageRequest, { ticketId: message.ticketId, reason: message.reason ?? '' });
    return toDispute(await this.disputes.appeal(request.ticketId, request.reason, actor));
  }

  @GrpcMethod(SERVICE, 'GetDisputeBundle')
  @RateLimitClass('read')
  @Roles('customer', ...STAFF, ...READERS)
  async getDisputeBundle(@Payload() message: { ticketId: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    // The document REST answers (Fastify serializes it with JSON.stringify), so it verifies offline as is.
    return { bundleJson: JSON.stringify(await this.bundles.export(ticketId, actor)) };
  }

  // ---- Recoveries ----

  @GrpcMethod(SERVICE, 'RequestRecovery')
  @Roles('customer', ...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async requestRecovery(@Payload() message: RequestRecoveryMessage, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId, ...deposit } = await validated(RequestRecoveryMessageRequest, {
      ticketId: message.ticketId,
      asset: message.asset ?? '',
      amount: message.amount ?? '',
      txHash: message.txHash ?? '',
      sentNetwork: message.sentNetwork ?? '',
      expectedNetwork: message.expectedNetwork ?? '',
      address: message.address ?? '',
      ...(typeof message.memo === 'string' && { memo: message.memo }),
    });
    return toRecovery(await this.recoveries.request(ticketId, { ...deposit }, actor));
  }

  @GrpcMethod(SERVICE, 'GetRecovery')
  @RateLimitClass('read')
  @Roles('customer', ...STAFF, ...READERS)
  async getRecovery(@Payload() message: { ticketId: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toRecovery(await this.recoveries.view(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'RequoteRecovery')
  @Roles('customer', ...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async requoteRecovery(@Payload() message: { ticketId: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toRecovery(await this.recoveries.requote(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'AcceptRecoveryQuote')
  @Roles('customer')
  @UseInterceptors(IdempotencyInterceptor)
  async acceptRecoveryQuote(@Payload() message: { ticketId: string; quoteId?: string }, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(AcceptQuoteMessageRequest, { ticketId: message.ticketId, quoteId: message.quoteId ?? '' });
    return toRecovery(await this.recoveries.accept(request.ticketId, request.quoteId, actor));
  }

  @GrpcMethod(SERVICE, 'DeclineRecoveryQuote')
  @Roles('customer')
  @UseInterceptors(IdempotencyInterceptor)
  async declineRecoveryQuote(@Payload() message: { ticketId: string; quoteId?: string; reason?: string }, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(DeclineQuoteMessageRequest, { ticketId: message.ticketId, quoteId: message.quoteId ?? '', ...(message.reason ? { reason: message.reason } : {}) });
    return toRecovery(await this.recoveries.decline(request.ticketId, request.quoteId, request.reason ?? null, actor));
  }

  @GrpcMethod(SERVICE, 'SubmitRecoveryProof')
  @Roles('customer', ...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async submitRecoveryProof(@Payload() message: { ticketId: string; condition?: EnumValue; contentJson?: string }, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(RecoveryProofMessageRequest, {
      ticketId: message.ticketId,
      condition: fromEnum(conditionEnum, message.condition),
      content: jsonObjectOf(message.contentJson),
    });
    return toRecovery(await this.recoveries.submitProof(request.ticketId, request.condition, request.content, actor));
  }

  @GrpcMethod(SERVICE, 'StartRecoveryTracing')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async startRecoveryTracing(@Payload() message: { ticketId: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toRecovery(await this.recoveries.startTracing(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'CompleteRecovery')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async completeRecovery(@Payload() message: { ticketId: string; outcome?: EnumValue; reason?: string; creditTxHash?: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId, ...outcome } = await validated(CompleteRecoveryMessageRequest, {
      ticketId: message.ticketId,
      outcome: fromEnum(completionEnum, message.outcome),
      ...(message.reason ? { reason: message.reason } : {}),
      ...(message.creditTxHash ? { creditTxHash: message.creditTxHash } : {}),
    });
    return toRecovery(await this.recoveries.complete(ticketId, outcome, actor));
  }
}
