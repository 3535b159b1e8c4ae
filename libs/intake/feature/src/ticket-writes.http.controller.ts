import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { newId } from '@ticketing/kernel';
import { ApiProblems, ApiUuidParam, CorrelationContext, CurrentActor, Idempotent, Operation, Roles, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { TicketCommandsService, type CommandContext } from './application/ticket-commands.service';
import { TicketViewsService } from './application/ticket-views.service';
import { TicketResponse } from './ticket.response.dto';

export class MessageRequest {
  @ApiProperty({ minLength: 1, maxLength: 20_000 }) @IsString() @Length(1, 20_000) body!: string;
}

export class ResolveRequest {
  @ApiProperty({ example: 'answered_with_kb_article', description: 'Why it is resolved: a lower-case code' })
  @Matches(/^[a-z][a-z0-9_]{1,63}$/, { message: 'resolutionCode is a lower-case code of 2–64 letters, digits or _' })
  resolutionCode!: string;
}

export class SelfServeRequest {
  @ApiProperty({ example: 'reset-2fa-lost-phone', maxLength: 128, pattern: '^[a-z0-9][a-z0-9-]{0,127}$', description: 'The knowledge-base article that solved it' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,127}$/, { message: 'articleId is a kebab-case article id (1–128 lower-case letters, digits, -)' })
  articleId!: string;
  @ApiPropertyOptional({ maxLength: 128, pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'The knowledge-base session the suggestion was shown in' })
  @IsOptional() @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'sessionId: 1–128 letters, digits or . _ : -' })
  sessionId?: string;
}

export class MergeRequest {
  @ApiProperty({ format: 'uuid', description: 'The ticket that survives' }) @IsUUID() intoTicketId!: string;
}

export class PostedMessageResponse {
  @ApiProperty({ type: TicketResponse, description: 'The ticket the message is on: a new linked ticket when the old one could not be reopened' })
  ticket!: TicketResponse;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', maxLength: 36, description: 'Null when the message became the opening text of a new linked ticket' })
  messageId!: string | null;
  @ApiProperty({ description: 'The message opened a new ticket linked to this one' }) linkedTicketCreated!: boolean;
}

const STAFF = ['agent', 'supervisor', 'admin'] as const;

const contextOf = (actor: AuthenticatedActor): CommandContext => ({
  actor: toEventActor(actor),
  correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
});

@ApiTags('tickets')
@ApiProblems(409)
@ApiUuidParam('id', 'The ticket')
@ApiBearerAuth()
@Controller('tickets/:id')
export class TicketWritesHttpController {
  constructor(
    private readonly commands: TicketCommandsService,
    private readonly views: TicketViewsService,
  ) {}

  @Post('messages')
  @Idempotent()
  @HttpCode(201)
  @Roles('customer', 'service', ...STAFF)
  @Operation('postTicketMessage', {
    summary: 'Post a message',
    description:
      'A customer message (customers; services relaying a customer) or an agent’s public reply (agent, supervisor, admin), by the caller’s role. ' +
      'A customer reply reopens a resolved ticket within the reopen window; after it, or on a closed ticket, it opens a new linked ticket.',
  })
  @ApiCreatedResponse({ type: PostedMessageResponse })
  async postMessage(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() request: MessageRequest,
    @CurrentActor() actor: AuthenticatedActor,
  ): Promise<PostedMessageResponse> {
    const posted = await this.commands.postMessage(id, { body: request.body }, contextOf(actor));
    return { ticket: await this.views.afterWrite(posted, actor), messageId: posted.messageId, linkedTicketCreated: posted.linkedTicketCreated };
  }

  @Post('notes')
  @Idempotent()
  @HttpCode(201)
  @Roles(...STAFF)
  @Operation('addTicketNote', { summary: 'Add an internal note', description: 'Agents only; never visible to customers in any API.' })
  @ApiCreatedResponse({ type: TicketResponse })
  async addNote(@Param('id', new ParseUUIDPipe()) id: string, @Body() request: MessageRequest, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.addNote(id, request.body, contextOf(actor)), actor);
  }

  @Post('in-progress')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @Operation('startTicketProgress', { summary: 'Start working on the ticket' })
  @ApiOkResponse({ type: TicketResponse })
  async startProgress(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.startProgress(id, contextOf(actor)), actor);
  }

  @Post('waiting-on-customer')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @Operation('waitOnTicketCustomer', { summary: 'Wait for the customer’s answer' })
  @ApiOkResponse({ type: TicketResponse })
  async waitOnCustomer(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.waitOnCustomer(id, contextOf(actor)), actor);
  }

  @Post('resolve')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @Operation('resolveTicket', { summary: 'Resolve', description: 'Closes by itself after TICKETING_AUTO_CLOSE_HOURS (72) without a customer reply.' })
  @ApiOkResponse({ type: TicketResponse })
  async resolve(@Param('id', new ParseUUIDPipe()) id: string, @Body() request: ResolveRequest, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.resolve(id, request.resolutionCode, contextOf(actor)), actor);
  }

  @Post('self-served')
  @Idempotent()
  @HttpCode(200)
  @Roles('customer', 'service')
  @Operation('selfServeTicket', {
    summary: 'Mark the ticket solved by an article',
    description:
      'The customer (or a service relaying them) says a suggested article solved it: the ticket resolves as self-served (TicketSelfServed, ' +
      '`resolutionCode` `self_served`) and counts as a deflection. From open, assigned, in progress or waiting on the customer; again with the same article changes nothing.',
  })
  @ApiOkResponse({ type: TicketResponse })
  async selfServe(@Param('id', new ParseUUIDPipe()) id: string, @Body() request: SelfServeRequest, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.selfServe(id, request.articleId, request.sessionId ?? null, contextOf(actor)), actor);
  }

  @Post('reopen')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @Operation('reopenTicket', { summary: 'Reopen a resolved ticket' })
  @ApiOkResponse({ type: TicketResponse })
  async reopen(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.reopen(id, contextOf(actor)), actor);
  }

  @Post('close')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @Operation('closeTicket', { summary: 'Close a resolved ticket' })
  @ApiOkResponse({ type: TicketResponse })
  async close(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.close(id, contextOf(actor)), actor);
  }

  @Post('merge')
  @Idempotent()
  @HttpCode(200)
  @Roles(...STAFF)
  @Operation('mergeTicket', { summary: 'Merge this duplicate into another ticket', description: 'The duplicate’s stream ends with TicketMerged; reads of it redirect.' })
  @ApiOkResponse({ type: TicketResponse, description: 'The duplicate, now merged' })
  async merge(@Param('id', new ParseUUIDPipe()) id: string, @Body() request: MergeRequest, @CurrentActor() actor: AuthenticatedActor) {
    return this.views.afterWrite(await this.commands.merge(id, request.intoTicketId, contextOf(actor)), actor);
  }
}
