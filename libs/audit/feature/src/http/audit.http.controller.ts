import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParam, CurrentActor, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { AuditTrailService, MAX_PAGE } from '../audit-trail.service';
import { AuditHistoryResponse, TicketVerificationResponse } from './audit.dto';

/** Audit over REST: auditors (and admins) read any ticket's history across contexts; each read is itself recorded. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit/tickets')
export class AuditHttpController {
  constructor(private readonly trail: AuditTrailService) {}

  @Get(':id/history')
  @Roles('auditor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string', maxLength: 4000 } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, default: 100 } })
  @ApiProblems(400, 404)
  @Operation('getTicketAuditHistory', {
    summary: 'Every event of every context for a ticket, in global order',
    description:
      'Auditors, admins. Intake, routing, SLA, disputes…, merged by global position, each with its actor, cause, correlation, hashes and the model or policy version it was decided under; paged (`nextCursor`). The read is recorded (AuditAccessed).',
  })
  @ApiOkResponse({ type: AuditHistoryResponse })
  history(@Param('id', new ParseUUIDPipe()) ticketId: string, @Query('cursor') cursor: string | undefined, @Query('limit') limit: string | undefined, @CurrentActor() actor: AuthenticatedActor): Promise<AuditHistoryResponse> {
    return this.trail.history(ticketId, { cursor, limit }, actor) as Promise<AuditHistoryResponse>;
  }

  @Get(':id/state')
  @Roles('auditor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiQuery({ name: 'at', required: false, schema: { type: 'string', maxLength: 35 }, description: 'An ISO 8601 time, or a global position (an integer); default: now' })
  @ApiProblems(400, 404)
  @Operation('getTicketStateAt', {
    summary: 'The ticket as every context saw it at a past moment',
    description:
      'Auditors, admins. Status, category and priority, queue and assignee, SLA clocks, dispute and recovery, folded from each context’s events up to the moment. Before the ticket existed: an empty state. A position past the log’s head is a 400.',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true, description: 'TicketStateAt (README, Audit)' } })
  state(@Param('id', new ParseUUIDPipe()) ticketId: string, @Query('at') at: string | undefined, @CurrentActor() actor: AuthenticatedActor): Promise<unknown> {
    return this.trail.stateAt(ticketId, at, actor);
  }

  @Get(':id/diff')
  @Roles('auditor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiQuery({ name: 'from', required: true, schema: { type: 'string', maxLength: 35 }, description: 'An ISO 8601 time or a global position' })
  @ApiQuery({ name: 'to', required: true, schema: { type: 'string', maxLength: 35 }, description: 'An ISO 8601 time or a global position' })
  @ApiProblems(400, 404)
  @Operation('diffTicketState', {
    summary: 'What changed between two moments, by whom and why',
    description: 'Auditors, admins. Every field of the ticket’s state that differs between `from` and `to` (before, after), and the events in between with their actor, cause and reason.',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true, description: 'TicketStateDiff (README, Audit)' } })
  diff(@Param('id', new ParseUUIDPipe()) ticketId: string, @Query('from') from: string | undefined, @Query('to') to: string | undefined, @CurrentActor() actor: AuthenticatedActor): Promise<unknown> {
    return this.trail.diff(ticketId, from, to, actor);
  }

  @Get(':id/verify')
  @Roles('auditor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(404)
  @Operation('verifyTicketHistory', {
    summary: 'Check every hash chain of the ticket',
    description: 'Auditors, admins. Recomputes every event’s hash and link in every context’s stream and names the first broken link exactly: stream, revision, expected and found.',
  })
  @ApiOkResponse({ type: TicketVerificationResponse })
  verify(@Param('id', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<TicketVerificationResponse> {
    return this.trail.verify(ticketId, actor) as Promise<TicketVerificationResponse>;
  }

  @Get(':id/export')
  @Roles('auditor', 'admin')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(404)
  @Operation('exportTicketHistory', {
    summary: 'The ticket’s history, signed',
    description:
      'Auditors, admins. Every stream of the ticket with its hashes and a manifest signed with Ed25519 (the evidence bundle format and key); `ticketing audit verify FILE --public-key KEY` checks it offline.',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true, description: 'Format ticketing.evidence-bundle/v1 (README, Evidence bundles)' } })
  export(@Param('id', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<unknown> {
    return this.trail.export(ticketId, actor);
  }
}
