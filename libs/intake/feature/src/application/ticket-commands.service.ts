import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  newId,
  type Actor,
  type Clock,
  type Decider,
} from '@ticketing/kernel';
import { streams, upcastIntakeEvent, type AssetContext, type Channel, type ChannelDetails, type Language } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import {
  ReopenWindowExpiredError,
  ticketDecider,
  ticketExists,
  validateAssetContext,
  type ExistingTicket,
  type TicketCommand,
  type TicketEvent,
  type TicketState,
} from '@ticketing/intake-domain';
import { TICKETING_CONFIG, type TicketingConfig } from '@ticketing/platform';
import { TicketListQuery } from '../ticket-list/ticket-list.query';
import { LANGUAGE_DETECTOR, type LanguageDetector } from '../language/language-detector.port';

/** Who is acting and under which correlation id: every command carries it into event metadata. */
export type CommandContext = Readonly<{ actor: Actor; correlationId: string }>;

export type OpenTicketInput = Readonly<{
  customerId?: string;
  channel: Channel;
  channelDetails: ChannelDetails | null;
  /** Absent on channels without subjects: the decider derives one from the body. */
  subject?: string;
  body: string;
  language?: Language;
  assetContext?: AssetContext;
  linkedFromTicketId?: string;
  /** The knowledge base's session the customer saw suggestions in before opening it. */
  sessionId?: string;
}>;

/** `lastEventType`: the type of the last event appended (at `lastGlobalPosition`), when something was. */
export type CommandOutcome = Readonly<{ ticketId: string; lastGlobalPosition?: number; lastEventType?: string }>;

/** `messageId` is null when the message became the opening text of a new linked ticket. */
export type PostedMessage = CommandOutcome & Readonly<{ messageId: string | null; linkedTicketCreated: boolean }>;

/** An opened ticket, or (an e-mail replying to a known message) the ticket the e-mail threaded onto. */
export type OpenOutcome = CommandOutcome & Readonly<{ threaded: boolean }>;

/** Customers act only on their own tickets; for them another's ticket does not exist. */
function visibleTo(actor: Actor, ticketId: string) {
  return (state: TicketState): void => {
    if (!ticketExists(state)) throw new NotFoundError(`Ticket ${ticketId} not found`, { ticketId });
    if (actor.kind === 'customer' && state.customerId !== actor.id) throw new NotFoundError(`Ticket ${ticketId} not found`, { ticketId });
  };
}

/**
 * The intake application: maps one request to one decider command, reads and appends the ticket's
 * stream, and applies the rules that span streams (linked tickets, merge targets, ownership).
 */
@Injectable()
export class TicketCommandsService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LANGUAGE_DETECTOR) private readonly languageDetector: LanguageDetector,
    @Inject(TICKETING_CONFIG) private readonly config: TicketingConfig,
    private readonly tickets: TicketListQuery,
  ) {}

  /** Opens a ticket; an e-mail whose In-Reply-To names a message of a ticket threads onto that ticket instead. */
  async open(input: OpenTicketInput, context: CommandContext): Promise<OpenOutcome> {
    const customerId = this.customerOf(input.customerId, context.actor);
    const details = input.channelDetails;
    if (details?.channel === 'email' && details.inReplyTo !== undefined) {
      const threadTicketId = await this.tickets.ticketOfEmailMessage(details.inReplyTo, customerId);
      if (threadTicketId !== undefined) {
        const posted = await this.postMessage(threadTicketId, { body: input.body, externalMessageId: details.messageId }, context);
        return { ticketId: posted.ticketId, lastGlobalPosition: posted.lastGlobalPosition, lastEventType: posted.lastEventType, threaded: true };
      }
    }
    return { ...(await this.openTicket(customerId, input, context)), threaded: false };
  }

  private async openTicket(customerId: string, input: OpenTicketInput, context: CommandContext): Promise<CommandOutcome> {
    if (input.assetContext) {
      const errors = validateAssetContext(input.assetContext);
      if (errors.length > 0) throw new ValidationError('Invalid asset context', errors);
    }
    const ticketId = newId();
    // Detected even when the customer gave a language: both are stored, and a mismatch is worth seeing.
    const detectedLanguage = await this.languageDetector.detect(input.subject === undefined ? input.body : `${input.subject}\n${input.body}`);
    return this.execute(ticketId, context, {
      type: 'OpenTicket',
      data: {
        ticketId,
        customerId,
        channel: input.channel,
        channelDetails: input.channelDetails,
        subject: input.subject ?? null,
        body: input.body,
        languageGiven: input.language ?? null,
        detectedLanguage,
        assetContext: input.assetContext ?? null,
        linkedFromTicketId: input.linkedFromTicketId ?? null,
        ...(input.sessionId !== undefined && { sessionId: input.sessionId }),
        now: this.now(),
      },
    });
  }

  /**
   * A customer message, or an agent's public reply, by the caller's role. A customer writing to a
   * ticket past its reopen window (or closed) gets a new ticket linked to it, carrying the message.
   */
  async postMessage(
    ticketId: string,
    message: Readonly<{ body: string; externalMessageId?: string }>,
    context: CommandContext,
  ): Promise<PostedMessage> {
    const messageId = newId();
    const now = this.now();
    const { actor } = context;
    // Customers write for themselves; services (mail and chat gateways) relay customers' words.
    if (actor.kind !== 'customer' && actor.kind !== 'service') {
      const outcome = await this.execute(ticketId, context, {
        type: 'PostAgentReply',
        data: { ticketId, messageId, agentId: actor.id, body: message.body, now },
      });
      return { ...outcome, messageId, linkedTicketCreated: false };
    }
    const customerId = actor.kind === 'customer' ? actor.id : await this.customerOfTicket(ticketId, actor);
    try {
      const outcome = await this.execute(ticketId, context, {
        type: 'PostCustomerMessage',
        data: {
          ticketId,
          messageId,
          customerId,
          body: message.body,
          now,
          reopenWindowMs: this.config.tickets.reopenWindowMs,
          ...(message.externalMessageId !== undefined && { externalMessageId: message.externalMessageId }),
        },
      });
      return { ...outcome, messageId, linkedTicketCreated: false };
    } catch (error) {
      if (!(error instanceof ReopenWindowExpiredError)) throw error;
      return this.openLinkedTicket(ticketId, message.body, context);
    }
  }

  private async customerOfTicket(ticketId: string, actor: Actor): Promise<string> {
    const state = await this.load(ticketId);
    visibleTo(actor, ticketId)(state);
    return (state as ExistingTicket).customerId;
  }

  private async openLinkedTicket(previousTicketId: string, body: string, context: CommandContext): Promise<PostedMessage> {
    const previous = await this.load(previousTicketId);
    if (!ticketExists(previous)) throw new NotFoundError(`Ticket ${previousTicketId} not found`, { ticketId: previousTicketId });
    const outcome = await this.openTicket(
      previous.customerId,
      {
        channel: previous.channel,
        channelDetails: null,
        subject: `Follow-up to ticket ${previousTicketId}`,
        body,
        language: previous.language,
        linkedFromTicketId: previousTicketId,
      },
      context,
    );
    return { ...outcome, messageId: null, linkedTicketCreated: true };
  }

  addNote(ticketId: string, body: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, {
      type: 'AddInternalNote',
      data: { ticketId, noteId: newId(), agentId: context.actor.id, body, now: this.now() },
    });
  }

  startProgress(ticketId: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, { type: 'StartProgress', data: { ticketId, by: context.actor.id, now: this.now() } });
  }

  waitOnCustomer(ticketId: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, { type: 'WaitOnCustomer', data: { ticketId, by: context.actor.id, now: this.now() } });
  }

  resolve(ticketId: string, resolutionCode: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, {
      type: 'ResolveTicket',
      data: { ticketId, resolutionCode, by: context.actor.id, now: this.now(), autoCloseAfterMs: this.config.tickets.autoCloseAfterMs },
    });
  }

  /** The customer marks a suggested article as what solved the problem: resolved as self-served. */
  selfServe(ticketId: string, articleId: string, sessionId: string | null, context: CommandContext): Promise<CommandOutcome> {
    const { actor } = context;
    return this.execute(ticketId, context, {
      type: 'SelfServeTicket',
      data: {
        ticketId,
        articleId,
        sessionId,
        customerId: actor.kind === 'customer' ? actor.id : null,
        by: actor.id,
        now: this.now(),
        autoCloseAfterMs: this.config.tickets.autoCloseAfterMs,
      },
    });
  }

  reopen(ticketId: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, { type: 'ReopenTicket', data: { ticketId, by: context.actor.id, now: this.now() } });
  }

  close(ticketId: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, { type: 'CloseTicket', data: { ticketId, by: context.actor.id, now: this.now() } });
  }

  assign(ticketId: string, assignee: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, { type: 'AssignTicket', data: { ticketId, assignee, now: this.now() } });
  }

  /** Fired by the auto-close scheduler; a no-op unless the ticket is still resolved and due. */
  autoClose(ticketId: string, context: CommandContext): Promise<CommandOutcome> {
    return this.execute(ticketId, context, { type: 'AutoCloseTicket', data: { ticketId, now: this.now() } });
  }

  /** Merges a duplicate into a ticket of the same customer that exists, is visible to the caller and is itself not merged or closed. */
  async merge(ticketId: string, intoTicketId: string, context: CommandContext): Promise<CommandOutcome> {
    const target = await this.load(intoTicketId);
    visibleTo(context.actor, intoTicketId)(target);
    if (ticketExists(target) && (target.status === 'merged' || target.status === 'closed')) {
      throw new ValidationError(`Ticket ${intoTicketId} is ${target.status} and cannot take a merge`, [
        { field: 'intoTicketId', message: `the target ticket is ${target.status}` },
      ]);
    }
    // The target's customer goes on the command: the decider refuses a merge across customers.
    const intoCustomerId = ticketExists(target) ? target.customerId : '';
    return this.execute(ticketId, context, {
      type: 'MergeTicket',
      data: { ticketId, intoTicketId, intoCustomerId, by: context.actor.id, now: this.now() },
    });
  }

  private async load(ticketId: string): Promise<TicketState> {
    let state = ticketDecider.initialState();
    for await (const recorded of this.eventStore.readStream(streams.ticket(ticketId))) {
      state = ticketDecider.evolve(state, upcastIntakeEvent(recorded));
    }
    return state;
  }

  private async execute(ticketId: string, context: CommandContext, command: TicketCommand): Promise<CommandOutcome> {
    const decider: Decider<TicketState, TicketCommand, TicketEvent> =
      command.type === 'OpenTicket'
        ? ticketDecider
        : {
            ...ticketDecider,
            decide: (cmd, state) => {
              visibleTo(context.actor, ticketId)(state);
              return ticketDecider.decide(cmd, state);
            },
          };
    const now = this.now();
    const result = await handleCommand(this.eventStore, streams.ticket(ticketId), decider, command, {
      metadata: { ticketId, correlationId: context.correlationId, causationId: context.correlationId, actor: context.actor, occurredAt: now },
      upcast: upcastIntakeEvent,
      // A ticket being opened has an id made a moment ago: there is no stream to read.
      expectNewStream: command.type === 'OpenTicket',
    });
    return { ticketId, lastGlobalPosition: result.lastGlobalPosition, lastEventType: result.newEvents.at(-1)?.type };
  }

  private customerOf(requested: string | undefined, actor: Actor): string {
    if (actor.kind === 'customer') {
      if (requested !== undefined && requested !== actor.id) throw new ForbiddenError('Customers may open tickets only for themselves');
      return actor.id;
    }
    if (requested === undefined) {
      throw new ValidationError('customerId is required when staff or a service opens a ticket', [
        { field: 'customerId', message: 'customerId is required unless the caller is the customer' },
      ]);
    }
    return requested;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
