import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Controller, Get, Headers, Inject, Logger, Optional, Query, Res, type OnModuleDestroy } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CLOCK, ForbiddenError, ValidationError, type Clock } from '@ticketing/kernel';
import { CONTEXT_NAMES, STAFF_ONLY_EVENT_TYPES, STREAM_PREFIXES, ticketStreamNamesOf } from '@ticketing/contracts';
import { EVENT_STORE, type EventFilter, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import { CurrentActor, Operation, RateLimitClass, Roles, StreamSlots, TICKETING_CONFIG, type AuthenticatedActor, type TicketingConfig } from '@ticketing/platform';
import { pumpEvents } from './event-stream.pump';
import { EventsStreamQuery, POSITION } from './events-stream.request.dto';
import { TICKET_ACCESS, type TicketAccess } from './ticket-access.port';

/** The Fastify reply, as far as a hand-written stream needs it. */
type StreamReply = { hijack(): unknown; getHeaders(): Record<string, string | string[] | number | undefined>; raw: ServerResponse };

type Selection = Readonly<{ filter: EventFilter; accept: (event: RecordedEvent) => boolean }>;

/** Which streams and events a query selects, for this caller. */
function selectionOf(query: EventsStreamQuery, actor: AuthenticatedActor): Selection {
  const contexts = query.context ?? (query.ticketId === undefined ? undefined : CONTEXT_NAMES);
  const prefixes = contexts && (query.ticketId === undefined ? contexts.flatMap((context) => STREAM_PREFIXES[context]) : ticketStreamNamesOf(query.ticketId, contexts));
  // Prefixes match by prefix: with a ticket, only its exact stream names count (never an agent's or a singleton).
  const exact = query.ticketId === undefined ? undefined : new Set(prefixes);
  // Each contract declares its staff-only types: a customer never sees them, whichever context publishes them.
  const hidden = actor.kind === 'customer' ? STAFF_ONLY_EVENT_TYPES : new Set<string>();
  return {
    filter: { ...(prefixes && { streamPrefixes: prefixes }), ...(query.type && { eventTypes: query.type }) },
    accept: (event) => !hidden.has(event.type) && (exact === undefined || exact.has(event.streamName)),
  };
}

function resumePosition(header: string | undefined, queryValue: string | undefined): number | undefined {
  // EventSource reconnects with the header and the original URL: the header is the newer position.
  const value = header ?? queryValue;
  if (value === undefined) return undefined;
  if (!POSITION.test(value)) {
    throw new ValidationError('Last-Event-ID must be the id of an event of this stream', [{ field: 'Last-Event-ID', message: 'a non-negative integer' }]);
  }
  return Number(value);
}

/**
 * Server-Sent Events of the events of every context, for ops dashboards. Written by hand rather
 * than with Nest's @Sse: that one numbers id-less messages itself (a heartbeat would move the
 * client's Last-Event-ID), cannot send comments, and turns errors into a 200 `event: error`, where
 * 401/403/404 must be real responses before the stream starts.
 */
@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsStreamHttpController implements OnModuleDestroy {
  private readonly logger = new Logger(EventsStreamHttpController.name);
  private readonly streaming = new Map<AbortController, Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TICKETING_CONFIG) private readonly config: TicketingConfig,
    private readonly slots: StreamSlots,
    @Optional() @Inject(TICKET_ACCESS) private readonly tickets?: TicketAccess,
  ) {}

  @Get('stream')
  @RateLimitClass('stream')
  @Roles('customer', 'agent', 'supervisor', 'auditor', 'ops', 'admin')
  @Operation('streamEvents', {
    summary: 'Live event stream (Server-Sent Events)',
    description:
      'Every context’s events as `text/event-stream`: `id` is the global position, `event` the event type, `data` the event as JSON ' +
      '{id, type, schemaVersion, streamName, context, globalPosition, occurredAt, ticketId, correlationId, data}. Without Last-Event-ID ' +
      'it starts at the current end of the log; with it, strictly after that position (historic events first, then live). A `: heartbeat` ' +
      'comment every 15 s of silence (TICKETING_SSE_HEARTBEAT_SECONDS). At most TICKETING_STREAMS_PER_ACTOR open per caller and ' +
      'TICKETING_STREAMS_TOTAL in all: past that, a 429 problem. Staff, ops and auditors see everything; customers must name one of their own tickets with ' +
      '`ticketId` and never see internal notes.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume strictly after this event id', schema: { type: 'string', pattern: '^\\d{1,15}$', maxLength: 15 } })
  @ApiOkResponse({
    description: 'The stream; it stays open until the client disconnects',
    content: { 'text/event-stream': { schema: { type: 'string', description: 'SSE messages: `id`, `event`, one-line JSON `data`; `:` comments as heartbeats' } } },
  })
  @ApiForbiddenResponse({ description: 'A customer without a ticketId filter' })
  @ApiNotFoundResponse({ description: 'A customer naming a ticket that is not theirs' })
  @ApiTooManyRequestsResponse({ description: 'Too many streams opened per minute, or open now (per caller or in all)' })
  async stream(
    @Query() query: EventsStreamQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentActor() actor: AuthenticatedActor,
    @Res() reply: StreamReply,
  ): Promise<void> {
    const resumeAfter = resumePosition(lastEventId, query.lastEventId);
    if (actor.kind === 'customer') {
      if (query.ticketId === undefined) throw new ForbiddenError('Customers may stream only the events of one of their tickets: give ticketId.');
      if (this.tickets === undefined) throw new ForbiddenError('No context of this service can tell a customer’s tickets: customers stream where tickets are served.');
      await this.tickets.assertVisible(query.ticketId, actor);
    }
    const { filter, accept } = selectionOf(query, actor);
    const fromPosition = resumeAfter ?? (await this.eventStore.headPosition());
    // Last, so a refused request holds no slot; from here every way out releases it.
    const slot = this.slots.acquire(actor);
    try {
      this.open(reply, { fromPosition, filter, accept }, slot.release);
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  private open(reply: StreamReply, selection: Selection & Readonly<{ fromPosition: number }>, release: () => void): void {
    const { fromPosition, filter, accept } = selection;
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      ...(Object.fromEntries(Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined)) as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Sends the headers now: the client knows the stream is live before the first event.
    response.write(': connected\n\n');
    const stop = new AbortController();
    response.once('close', () => stop.abort());
    const heartbeatMs = this.config.streams.heartbeatMs;
    const pump = pumpEvents({ eventStore: this.eventStore, clock: this.clock, heartbeatMs, fromPosition, filter, accept, sink: response, signal: stop.signal })
      .catch((error: unknown) => this.logger.error({ err: error }, 'Event stream failed'))
      .finally(() => {
        this.streaming.delete(stop);
        release();
        response.end();
      });
    this.streaming.set(stop, pump);
  }

  /** Open streams would keep the HTTP server from closing: end them first. */
  async onModuleDestroy(): Promise<void> {
    for (const stop of this.streaming.keys()) stop.abort();
    await Promise.allSettled(this.streaming.values());
  }
}
