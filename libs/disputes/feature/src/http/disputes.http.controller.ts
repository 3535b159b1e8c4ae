import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@ticketing/kernel';
import { ApiProblems, ApiUuidParam, CurrentActor, Idempotent, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { DisputeBundleService } from '../bundle/dispute-bundle.service';
import { DisputesService } from '../dispute/disputes.service';
import {
  AppealDisputeRequest,
  DecideDisputeRequest,
  DisputeResponse,
  OpenDisputeRequest,
  SigningKeyResponse,
  StoredAttachmentResponse,
  SubmitEvidenceRequest,
  UploadAttachmentRequest,
} from './disputes.dto';

const STAFF = ['agent', 'supervisor', 'admin'] as const;
const READERS = ['auditor', 'ops'] as const;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type BinaryReply = { header(name: string, value: string): BinaryReply };

/** Liquidation disputes over REST: open, evidence (and attachments' bytes), decision, appeal, the case and its signed bundle. */
@ApiTags('disputes')
@ApiBearerAuth()
@Controller('disputes')
export class DisputesHttpController {
  constructor(
    private readonly disputes: DisputesService,
    private readonly bundles: DisputeBundleService,
  ) {}

  @Get('signing-key')
  @Roles('customer', ...STAFF, ...READERS, 'service')
  @Operation('getDisputeSigningKey', { summary: 'The public key bundles are signed with', description: 'Any role. Verifiers need it (and the bundle) and nothing else.' })
  @ApiOkResponse({ type: SigningKeyResponse })
  signingKey(): Promise<SigningKeyResponse> {
    return this.bundles.publicKey();
  }

  @Post(':ticketId')
  @Idempotent()
  @Roles('customer', ...STAFF)
  @ApiUuidParam('ticketId', 'The ticket the dispute is about')
  @ApiProblems(400, 404, 409)
  @Operation('openDispute', {
    summary: 'Open a liquidation dispute on a ticket',
    description:
      'The ticket’s customer or staff. The position, its liquidation price and time (decimals as strings). The tolerance of its symbol is fixed for the round; routing recategorizes the ticket as liquidation_dispute. A ticket has one dispute: a second is a 409.',
  })
  @ApiCreatedResponse({ type: DisputeResponse })
  open(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: OpenDisputeRequest, @CurrentActor() actor: AuthenticatedActor): Promise<DisputeResponse> {
    return this.disputes.open(ticketId, { position: { ...request.position }, liquidationPrice: request.liquidationPrice, liquidatedAt: request.liquidatedAt }, actor) as Promise<DisputeResponse>;
  }

  @Get(':ticketId')
  @Roles('customer', ...STAFF, ...READERS)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(404)
  @Operation('getDispute', {
    summary: 'A dispute: items, hashes, assessment, decision',
    description: 'The ticket’s customer (every item, the complete trading log included; staff by role only), staff, auditors, ops. Folded from its stream: never behind a write.',
  })
  @ApiOkResponse({ type: DisputeResponse })
  get(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<DisputeResponse> {
    return this.disputes.view(ticketId, actor) as Promise<DisputeResponse>;
  }

  @Post(':ticketId/evidence')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer', ...STAFF, 'service')
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 409, 422)
  @Operation('submitDisputeEvidence', {
    summary: 'Add an evidence item',
    description:
      'The ticket’s customer, staff, the trading system (`service`). Content-hashed (SHA-256 over RFC 8785 JSON), attributed and timestamped; the same item again is the same item (nothing appended). An exchange-side index price for the liquidation time (re)assesses the deviation. A sealed case is a 409.',
  })
  @ApiOkResponse({ type: DisputeResponse })
  submitEvidence(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: SubmitEvidenceRequest, @CurrentActor() actor: AuthenticatedActor): Promise<DisputeResponse> {
    return this.disputes.submitEvidence(ticketId, { kind: request.kind, content: request.content }, actor) as Promise<DisputeResponse>;
  }

  @Post(':ticketId/attachments')
  @Idempotent()
  @Roles('customer', ...STAFF, 'service')
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 422)
  @Operation('uploadDisputeAttachment', {
    summary: 'Store an attachment’s bytes',
    description:
      'The ticket’s customer, staff, the trading system. Stored by SHA-256 (the same bytes twice are stored once); then submit an `attachment` evidence item with its name, media type, size and sha256.',
  })
  @ApiCreatedResponse({ type: StoredAttachmentResponse })
  upload(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: UploadAttachmentRequest, @CurrentActor() actor: AuthenticatedActor): Promise<StoredAttachmentResponse> {
    if (!BASE64.test(request.contentBase64) || request.contentBase64.length % 4 !== 0) {
      throw new ValidationError('contentBase64 is not base64', [{ field: 'contentBase64', message: 'must be standard base64 (A–Z a–z 0–9 + /, padded with =)' }]);
    }
    return this.disputes.storeAttachment(ticketId, Buffer.from(request.contentBase64, 'base64'), actor);
  }

  @Get(':ticketId/attachments/:sha256')
  @Roles('customer', ...STAFF, ...READERS)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiParam({ name: 'sha256', schema: { type: 'string', pattern: '^[0-9a-f]{64}$', minLength: 64, maxLength: 64 } })
  @ApiProblems(404)
  @ApiProduces('application/octet-stream')
  @Operation('getDisputeAttachment', { summary: 'An attachment’s bytes', description: 'Whoever may read the case; only attachments this case’s evidence names.' })
  @ApiOkResponse({ schema: { type: 'string', format: 'binary', maxLength: 104857600 } })
  async attachment(
    @Param('ticketId', new ParseUUIDPipe()) ticketId: string,
    @Param('sha256') sha256: string,
    @CurrentActor() actor: AuthenticatedActor,
    @Res({ passthrough: true }) reply: BinaryReply,
  ): Promise<Buffer> {
    const bytes = await this.disputes.attachment(ticketId, sha256, actor);
    reply.header('content-type', 'application/octet-stream');
    return bytes;
  }

  @Post(':ticketId/decision')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 409)
  @Operation('decideDispute', {
    summary: 'Decide and seal the round',
    description:
      'Agents with the `disputes` clearance, supervisors, admins. upheld, compensated {amount, asset} or rejected, citing evidence ids of this case (an unknown one is a 400). The round is sealed: no more evidence, no edits; only an appeal follows.',
  })
  @ApiOkResponse({ type: DisputeResponse })
  decide(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: DecideDisputeRequest, @CurrentActor() actor: AuthenticatedActor): Promise<DisputeResponse> {
    return this.disputes.decide(ticketId, { ...request, compensation: request.compensation === undefined ? undefined : { ...request.compensation } }, actor) as Promise<DisputeResponse>;
  }

  @Post(':ticketId/appeal')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer', ...STAFF)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(400, 404, 409)
  @Operation('appealDispute', {
    summary: 'Appeal a sealed decision',
    description:
      'The ticket’s customer; agents with the `disputes` clearance, supervisors, admins. Opens the next round, linked to the sealed one, on the same evidence (re-assessed at once); after the configured rounds a decision is final (409).',
  })
  @ApiOkResponse({ type: DisputeResponse })
  appeal(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @Body() request: AppealDisputeRequest, @CurrentActor() actor: AuthenticatedActor): Promise<DisputeResponse> {
    return this.disputes.appeal(ticketId, request.reason, actor) as Promise<DisputeResponse>;
  }

  @Get(':ticketId/bundle')
  @Roles('customer', ...STAFF, ...READERS)
  @ApiUuidParam('ticketId', 'The ticket')
  @ApiProblems(404)
  @Operation('getDisputeBundle', {
    summary: 'The signed evidence bundle',
    description:
      'Whoever may read the case. Every item with its hash, the full event chains of the ticket’s dispute and recovery with their hashes, and a manifest signed with Ed25519; `ticketing audit verify-bundle FILE --public-key KEY` checks it offline.',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true, description: 'Format ticketing.evidence-bundle/v1 (README, "Evidence bundles")' } })
  bundle(@Param('ticketId', new ParseUUIDPipe()) ticketId: string, @CurrentActor() actor: AuthenticatedActor): Promise<unknown> {
    return this.bundles.export(ticketId, actor);
  }
}
