import { Metadata, type ServerWritableStream } from '@grpc/grpc-js';
import { Controller, createParamDecorator, UseInterceptors, type ExecutionContext } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { defer, finalize, map, type Observable } from 'rxjs';
import { newId } from '@ticketing/kernel';
import {
  CorrelationContext,
  CurrentActor,
  GrpcCorrelationInterceptor,
  validated,
  IdempotencyInterceptor,
  RateLimitClass,
  Roles,
  StreamSlots,
  toEventActor,
  type AuthenticatedActor,
} from '@ticketing/platform';
import { TicketCommandsService, type CommandContext, type CommandOutcome } from '../application/ticket-commands.service';
import { TicketViewsService } from '../application/ticket-views.service';
import { toOpenTicketInput } from '../open-ticket/open-ticket.mapper';
import { OpenTicketRequest } from '../open-ticket/open-ticket.request.dto';
import { ListTicketsQuery } from '../ticket-reads.http.controller';
import { TicketListQuery } from '../ticket-list/ticket-list.query';
import { listTicketsQueryOf, openTicketBodyOf, toConversationMessage, toTicketMessage, toTimestamp } from './ticket.grpc.mapper';
import type {
  BodyMessage,
  ListMessagesResponseMessage,
  ListTicketsMessage,
  MergeTicketMessage,
  OpenTicketMessage,
  OpenTicketResponseMessage,
  PostMessageResponseMessage,
  ResolveTicketMessage,
  SelfServeTicketMessage,
  TicketChangeMessage,
  TicketIdMessage,
  TicketMessage,
  TicketPageMessage,
  WatchTicketMessage,
} from './ticket.grpc.messages';
import { TicketIdRequest, TicketMergeRequest, TicketMessageRequest, TicketResolveRequest, TicketSelfServeRequest, WatchTicketRequest } from './ticket.grpc.requests';
import { TicketSuggestionsService } from '../open-ticket/ticket-suggestions.service';
import { TicketWatchService } from './ticket-watch.service';

const SERVICE = 'TicketService';
const STAFF = ['agent', 'supervisor', 'admin'] as const;
const READERS = ['customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin'] as const;

/** The grpc-js call (Nest passes it as the handler's third argument). */
const GrpcServerCall = createParamDecorator((_data: unknown, context: ExecutionContext): unknown => context.getArgByIndex(2));

const contextOf = (actor: AuthenticatedActor): CommandContext => ({
  actor: toEventActor(actor),
  correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
});

/**
 * ticketing.intake.v1.TicketService: the REST operations with the same roles, validation and
 * services (one request → one service call). Authentication, @Roles and the mapping of errors to
 * gRPC status codes are the app's global guards and filter, inherited by the gRPC transport.
 */
@Controller()
@UseInterceptors(GrpcCorrelationInterceptor)
export class TicketGrpcController {
  constructor(
    private readonly commands: TicketCommandsService,
    private readonly views: TicketViewsService,
    private readonly tickets: TicketListQuery,
    private readonly watcher: TicketWatchService,
    private readonly slots: StreamSlots,
    private readonly suggestions: TicketSuggestionsService,
  ) {}

  @GrpcMethod(SERVICE, 'OpenTicket')
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin')
  @UseInterceptors(IdempotencyInterceptor)
  async openTicket(@Payload() message: OpenTicketMessage, @CurrentActor() actor: AuthenticatedActor): Promise<OpenTicketResponseMessage> {
    const request = await validated(OpenTicketRequest, openTicketBodyOf(message));
    const outcome = await this.commands.open(toOpenTicketInput(request), contextOf(actor));
    const ticket = await this.views.afterWrite(outcome, actor);
    const suggestions = outcome.threaded ? [] : await this.suggestions.forOpened(request, ticket);
    return { ticket: toTicketMessage(ticket), threaded: outcome.threaded, suggestions };
  }

  @GrpcMethod(SERVICE, 'GetTicket')
  @RateLimitClass('read')
  @Roles(...READERS)
  async getTicket(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toTicketMessage(await this.tickets.getVisible(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'ListTickets')
  @RateLimitClass('read')
  @Roles(...READERS)
  async listTickets(@Payload() message: ListTicketsMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketPageMessage> {
    const query = await validated(ListTicketsQuery, listTicketsQueryOf(message));
    const page = await this.tickets.list({ ...query, limit: query.limit ?? 20 }, actor);
    return { items: page.items.map(toTicketMessage), ...(page.nextCursor !== null && { nextCursor: page.nextCursor }) };
  }

  @GrpcMethod(SERVICE, 'PostMessage')
  @Roles('customer', 'service', ...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async postMessage(@Payload() message: BodyMessage, @CurrentActor() actor: AuthenticatedActor): Promise<PostMessageResponseMessage> {
    const request = await validated(TicketMessageRequest, { ticketId: message.ticketId, body: message.body });
    const posted = await this.commands.postMessage(request.ticketId, { body: request.body }, contextOf(actor));
    return {
      ticket: await this.ticketAfter(posted, actor),
      ...(posted.messageId !== null && { messageId: posted.messageId }),
      linkedTicketCreated: posted.linkedTicketCreated,
    };
  }

  @GrpcMethod(SERVICE, 'AddNote')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async addNote(@Payload() message: BodyMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const request = await validated(TicketMessageRequest, { ticketId: message.ticketId, body: message.body });
    return this.ticketAfter(await this.commands.addNote(request.ticketId, request.body, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'StartProgress')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async startProgress(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return this.ticketAfter(await this.commands.startProgress(ticketId, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'WaitOnCustomer')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async waitOnCustomer(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return this.ticketAfter(await this.commands.waitOnCustomer(ticketId, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'ResolveTicket')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async resolveTicket(@Payload() message: ResolveTicketMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const request = await validated(TicketResolveRequest, { ticketId: message.ticketId, resolutionCode: message.resolutionCode });
    return this.ticketAfter(await this.commands.resolve(request.ticketId, request.resolutionCode, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'SelfServeTicket')
  @Roles('customer', 'service')
  @UseInterceptors(IdempotencyInterceptor)
  async selfServeTicket(@Payload() message: SelfServeTicketMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const request = await validated(TicketSelfServeRequest, { ticketId: message.ticketId, articleId: message.articleId, ...(message.sessionId ? { sessionId: message.sessionId } : {}) });
    return this.ticketAfter(await this.commands.selfServe(request.ticketId, request.articleId, request.sessionId ?? null, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'ReopenTicket')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async reopenTicket(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return this.ticketAfter(await this.commands.reopen(ticketId, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'CloseTicket')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async closeTicket(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return this.ticketAfter(await this.commands.close(ticketId, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'MergeTicket')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async mergeTicket(@Payload() message: MergeTicketMessage, @CurrentActor() actor: AuthenticatedActor): Promise<TicketMessage> {
    const request = await validated(TicketMergeRequest, { ticketId: message.ticketId, intoTicketId: message.intoTicketId });
    return this.ticketAfter(await this.commands.merge(request.ticketId, request.intoTicketId, contextOf(actor)), actor);
  }

  @GrpcMethod(SERVICE, 'ListMessages')
  @RateLimitClass('read')
  @Roles(...READERS)
  async listMessages(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor): Promise<ListMessagesResponseMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return { messages: (await this.tickets.messages(ticketId, actor)).map(toConversationMessage) };
  }

  /**
   * Server stream; Nest unsubscribes (closing the event-store subscription) when the client cancels.
   * Response headers go out once the start position is fixed: every change after them is delivered.
   * Holds a stream slot (RESOURCE_EXHAUSTED past the caps) until the stream ends in any way.
   */
  @GrpcMethod(SERVICE, 'WatchTicket')
  @RateLimitClass('stream')
  @Roles(...READERS)
  async watchTicket(
    @Payload() message: WatchTicketMessage,
    @CurrentActor() actor: AuthenticatedActor,
    @GrpcServerCall() call: ServerWritableStream<unknown, unknown>,
  ): Promise<Observable<TicketChangeMessage>> {
    const request = await validated(WatchTicketRequest, {
      ticketId: message.ticketId,
      ...(message.fromPosition !== undefined && { fromPosition: Number(message.fromPosition) }),
    });
    const slot = this.slots.acquire(actor);
    const changes = await this.watcher.watch(request.ticketId, actor, request.fromPosition).catch((error: unknown) => {
      slot.release();
      throw error;
    });
    return defer(() => {
      call.sendMetadata(new Metadata());
      return changes;
    }).pipe(
      finalize(slot.release),
      map(({ event, ticket }) => ({
        eventType: event.type,
        globalPosition: String(event.globalPosition),
        occurredAt: toTimestamp(event.metadata.occurredAt),
        ticket: toTicketMessage(ticket),
      })),
    );
  }

  private async ticketAfter(outcome: CommandOutcome, actor: AuthenticatedActor): Promise<TicketMessage> {
    return toTicketMessage(await this.views.afterWrite(outcome, actor));
  }
}
