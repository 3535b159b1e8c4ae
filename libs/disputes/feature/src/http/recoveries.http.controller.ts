import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParam, CurrentActor, Idempotent, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { RecoveriesService } from '../recovery/recoveries.service';
import { CompleteRecoveryRequest, DeclineQuoteRequest, QuoteDecisionRequest, RecoveryProofRequest, RecoveryResponse, RequestRecoveryRequest } from './recoveries.dto';

const STAFF = ['agent', 'supervisor', 'admin'] as const;

/** Wrong-network deposit recoveries over REST. */
@ApiTags('recoveries')
@ApiBearerAuth()
@Controller('recoveries')
export class RecoveriesHttpController {
  constructor(private readonly recoveries: RecoveriesService) {}

  @Post(':ticketId')
  @Idempotent()
  @Roles('customer', ...STAFF)
  @ApiUuidParam('ticketId', 'The ticket the deposit is about')
  @ApiProblems(400, 404, 409, 422)
  @Operation('requestRecovery', {
    summary: 'Request a wrong-network deposit recovery',
    description:
      'The ticket’s customer or staff. Judged by the configured feasibility rules: an unsupported pair is a 422 with the reason (nothing is recorded); a feasible one is quoted at once (fee, credited on success, ETA in working days, valid until). Never a promise.',
  })
  @ApiCreatedResponse({ type: RecoveryResponse })
  request(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: RequestRecoveryRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.request(ticketId, { ...request }, actor) as Promise<RecoveryResponse>;
  }

  @Get(':ticketId')
  @Roles('customer', ...STAFF, 'auditor', 'ops')
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(404)
  @Operation('getRecovery', { summary: 'A recovery: quote, window, proofs, outcome', description: 'The ticket’s customer, staff, auditors, ops.' })
  @ApiOkResponse({ type: RecoveryResponse })
  get(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.view(ticketId, actor) as Promise<RecoveryResponse>;
  }

  @Post(':ticketId/quote')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer', ...STAFF)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(404, 409)
  @Operation('requoteRecovery', { summary: 'A fresh quote once the last expired', description: 'The ticket’s customer or staff. Only an expired, unanswered quote is replaced (409 otherwise).' })
  @ApiOkResponse({ type: RecoveryResponse })
  requote(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.requote(ticketId, actor) as Promise<RecoveryResponse>;
  }

  @Post(':ticketId/accept')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer')
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 409)
  @Operation('acceptRecoveryQuote', {
    summary: 'Accept the quote',
    description: 'The ticket’s customer. The ETA window is counted from now in working days; an expired quote or another quote id is a 409.',
  })
  @ApiOkResponse({ type: RecoveryResponse })
  accept(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: QuoteDecisionRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.accept(ticketId, request.quoteId, actor) as Promise<RecoveryResponse>;
  }

  @Post(':ticketId/decline')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer')
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 409)
  @Operation('declineRecoveryQuote', { summary: 'Decline the quote', description: 'The ticket’s customer. Ends the recovery; nothing is charged.' })
  @ApiOkResponse({ type: RecoveryResponse })
  decline(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: DeclineQuoteRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.decline(ticketId, request.quoteId, request.reason ?? null, actor) as Promise<RecoveryResponse>;
  }

  @Post(':ticketId/proofs')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer', ...STAFF)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 409)
  @Operation('submitRecoveryProof', { summary: 'Show a condition of the recovery', description: 'The ticket’s customer or staff. Content-hashed; the same proof twice is one proof.' })
  @ApiOkResponse({ type: RecoveryResponse })
  proof(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: RecoveryProofRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.submitProof(ticketId, request.condition, request.content, actor) as Promise<RecoveryResponse>;
  }

  @Post(':ticketId/tracing')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(403, 404, 409)
  @Operation('startRecoveryTracing', { summary: 'The tracing team takes an accepted recovery', description: 'Agents with the `recovery` clearance, supervisors, admins.' })
  @ApiOkResponse({ type: RecoveryResponse })
  tracing(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.startTracing(ticketId, actor) as Promise<RecoveryResponse>;
  }

  @Post(':ticketId/outcome')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 403, 404, 409)
  @Operation('completeRecovery', {
    summary: 'Record the tracing’s outcome',
    description: 'Agents with the `recovery` clearance, supervisors, admins. succeeded (credited = amount − fee; every condition proven first) or failed {reason} (no fee).',
  })
  @ApiOkResponse({ type: RecoveryResponse })
  outcome(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: CompleteRecoveryRequest, @CurrentActor() actor: AuthenticatedActor): Promise<RecoveryResponse> {
    return this.recoveries.complete(ticketId, request, actor) as Promise<RecoveryResponse>;
  }
}
