import type { ServerWritableStream } from '@grpc/grpc-js';
import { Controller, createParamDecorator, UseInterceptors, type ExecutionContext } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { finalize, Observable } from 'rxjs';
import {
  CurrentActor,
  GrpcCorrelationInterceptor,
  protoEnum,
  RateLimitClass,
  Roles,
  StreamSlots,
  toTimestamp,
  validated,
  type AuthenticatedActor,
  type TimestampMessage,
} from '@ticketing/platform';
import { AuditTrailService, MAX_PAGE, type TicketVerification } from '../audit-trail.service';
import { CustomerErasureService } from '../privacy/customer-erasure.service';
import type { AuditEntry } from '../history/ticket-history';

const SERVICE = 'AuditService';
/** Who reads the audit trail, as over REST. */
const AUDITORS = ['auditor', 'admin'] as const;

const actorKindEnum = protoEnum('ACTOR_KIND_');
const brokenLinkReasonEnum = protoEnum('BROKEN_LINK_REASON_');

/** The grpc-js call (Nest passes it as the handler's third argument). */
const GrpcServerCall = createParamDecorator((_data: unknown, context: ExecutionContext): unknown => context.getArgByIndex(2));

// ---- Requests: the ticket id as REST's ParseUUIDPipe checks it, the query as REST takes it ----

class TicketIdRequest {
  @IsUUID() ticketId!: string;
}

class TicketHistoryRequest {
  @IsUUID() ticketId!: string;
  @IsOptional() @IsString() @MaxLength(4000) cursor?: string;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_PAGE) limit?: number;
}

class TicketStateAtRequest {
  @IsUUID() ticketId!: string;
  @IsOptional() @IsString() @MaxLength(35) at?: string;
}

// ---- Request messages, as @grpc/proto-loader hands them over (proto3 `optional`: absent is undefined) ----

type TicketIdMessage = Readonly<{ ticketId: string }>;
type EraseCustomerDataMessage = Readonly<{ customerId: string; reason?: string }>;
type GetCustomerPrivacyMessage = Readonly<{ customerId: string }>;
type GetTicketHistoryMessage = TicketIdMessage & Readonly<{ cursor?: string; limit?: number }>;
type GetTicketStateAtMessage = TicketIdMessage & Readonly<{ at?: string }>;

// ---- Responses ----

type AuditEventMessage = Readonly<{
  position: string;
  streamName: string;
  revision: string;
  id: string;
  type: string;
  schemaVersion: number;
  dataJson: string;
  actor: Readonly<{ kind: string; id: string }>;
  correlationId: string;
  causationId: string;
  occurredAt: TimestampMessage;
  recordedAt: TimestampMessage;
  prevHash: string;
  hash: string;
  modelVersion?: string;
  policyVersion?: number;
}>;

/** One history entry as ticketing.audit.v1.AuditEvent: int64 as strings, the data as JSON text (what REST answers as `data`). */
function toAuditEvent(entry: AuditEntry): AuditEventMessage {
  return {
    position: String(entry.position),
    streamName: entry.streamName,
    revision: String(entry.revision),
    id: entry.id,
    type: entry.type,
    schemaVersion: entry.schemaVersion,
    dataJson: JSON.stringify(entry.data),
    actor: { kind: actorKindEnum.toProto(entry.actor.kind), id: entry.actor.id },
    correlationId: entry.correlationId,
    causationId: entry.causationId,
    occurredAt: toTimestamp(entry.occurredAt),
    recordedAt: toTimestamp(entry.recordedAt),
    prevHash: entry.prevHash,
    hash: entry.hash,
    ...(entry.decidedUnder.modelVersion !== undefined && { modelVersion: entry.decidedUnder.modelVersion }),
    ...(entry.decidedUnder.policyVersion !== undefined && { policyVersion: entry.decidedUnder.policyVersion }),
  };
}

function toVerification(verification: TicketVerification) {
  const broken = verification.firstBroken;
  return {
    valid: verification.valid,
    streams: verification.streams.map((stream) => ({
      streamName: stream.streamName,
      events: String(stream.events),
      valid: stream.valid,
      ...(stream.lastHash !== null && { lastHash: stream.lastHash }),
    })),
    firstBroken:
      broken === null
        ? undefined
        : { streamName: broken.streamName, revision: String(broken.revision), reason: brokenLinkReasonEnum.toProto(broken.reason), expected: broken.expected, found: broken.found },
  };
}

/** Resolves once the call can take writes again (its buffer drained), or it ended, or `signal` aborted. */
function writable(call: ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      call.off('cancelled', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted || call.cancelled || call.destroyed) return resolve();
    call.on('drain', done);
    call.on('close', done);
    call.on('cancelled', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * ticketing.audit.v1.AuditService: the REST operations of /v1/audit/tickets with the same roles and
 * validation, answered by the same service (which records each read), plus ReplayTicket, the whole
 * history as a server stream. Authentication, @Roles and the mapping of errors to gRPC status codes
 * are the app's global guards and filter, inherited by the gRPC transport.
 */
@Controller()
@UseInterceptors(GrpcCorrelationInterceptor)
export class AuditGrpcController {
  constructor(
    private readonly trail: AuditTrailService,
    private readonly erasure: CustomerErasureService,
    private readonly slots: StreamSlots,
  ) {}

  /**
   * Server stream. The first event is read before the stream starts, so an unknown ticket is a
   * NOT_FOUND status (and the read is recorded once, by the service). Then one event at a time:
   * the next is read only once the call takes writes again, so memory stays bounded whatever the
   * ticket's length and however slowly the client reads. Nest unsubscribes when the client cancels,
   * which stops reading and closes the event-store reads. Holds a stream slot (RESOURCE_EXHAUSTED
   * past the caps) until the stream ends in any way.
   */
  @GrpcMethod(SERVICE, 'ReplayTicket')
  @RateLimitClass('stream')
  @Roles(...AUDITORS)
  async replayTicket(
    @Payload() message: TicketIdMessage,
    @CurrentActor() actor: AuthenticatedActor,
    @GrpcServerCall() call: ServerWritableStream<unknown, unknown>,
  ): Promise<Observable<AuditEventMessage>> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    const slot = this.slots.acquire(actor);
    const entries = this.trail.replay(ticketId, actor);
    const first = await entries.next().catch((error: unknown) => {
      slot.release();
      throw error;
    });
    return new Observable<AuditEventMessage>((subscriber) => {
      const cancelled = new AbortController();
      const stopped = () => cancelled.signal.aborted || call.cancelled;
      const send = async () => {
        let next = first;
        while (!next.done && !stopped()) {
          subscriber.next(toAuditEvent(next.value));
          if (call.writableNeedDrain) await writable(call, cancelled.signal);
          if (stopped()) break;
          next = await entries.next();
        }
        // Also when the call ended unseen by Nest (cancelled before it subscribed): the slot is released.
        subscriber.complete();
      };
      send().catch((error: unknown) => {
        if (!cancelled.signal.aborted) subscriber.error(error);
      });
      return () => {
        cancelled.abort();
        // Ends the generator (after a read in flight), which closes the event-store reads.
        void entries.return(undefined).catch(() => undefined);
      };
    }).pipe(finalize(slot.release));
  }

  @GrpcMethod(SERVICE, 'GetTicketHistory')
  @RateLimitClass('read')
  @Roles(...AUDITORS)
  async getTicketHistory(@Payload() message: GetTicketHistoryMessage, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(TicketHistoryRequest, {
      ticketId: message.ticketId,
      ...(message.cursor !== undefined && { cursor: message.cursor }),
      ...(message.limit !== undefined && { limit: message.limit }),
    });
    const page = await this.trail.history(request.ticketId, { cursor: request.cursor, limit: request.limit }, actor);
    return { events: page.events.map(toAuditEvent), ...(page.nextCursor !== null && { nextCursor: page.nextCursor }) };
  }

  @GrpcMethod(SERVICE, 'GetTicketStateAt')
  @RateLimitClass('read')
  @Roles(...AUDITORS)
  async getTicketStateAt(@Payload() message: GetTicketStateAtMessage, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(TicketStateAtRequest, { ticketId: message.ticketId, ...(message.at !== undefined && { at: message.at }) });
    // The object REST answers (Fastify serializes it with JSON.stringify).
    return { stateJson: JSON.stringify(await this.trail.stateAt(request.ticketId, request.at, actor)) };
  }

  @GrpcMethod(SERVICE, 'VerifyTicket')
  @RateLimitClass('read')
  @Roles(...AUDITORS)
  async verifyTicket(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toVerification(await this.trail.verify(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'ExportTicket')
  @RateLimitClass('read')
  @Roles(...AUDITORS)
  async exportTicket(@Payload() message: TicketIdMessage, @CurrentActor() actor: AuthenticatedActor) {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    // The document REST answers, so it verifies offline as is.
    return { bundleJson: JSON.stringify(await this.trail.export(ticketId, actor)) };
  }

  @GrpcMethod(SERVICE, 'EraseCustomerData')
  @Roles('admin')
  async eraseCustomerData(@Payload() message: EraseCustomerDataMessage, @CurrentActor() actor: AuthenticatedActor) {
    // The service validates id and reason as for REST (INVALID_ARGUMENT through the error filter).
    const report = await this.erasure.erase(message.customerId, actor, { reason: message.reason, via: 'api' });
    return { customerId: report.customerId, erasedAt: toTimestamp(report.erasedAt), destroyedKeyIds: report.destroyedKeyIds, eventId: report.eventId, position: String(report.position) };
  }

  @GrpcMethod(SERVICE, 'GetCustomerPrivacy')
  @RateLimitClass('read')
  @Roles(...AUDITORS)
  async getCustomerPrivacy(@Payload() message: GetCustomerPrivacyMessage) {
    const status = await this.erasure.status(message.customerId);
    return {
      customerId: status.customerId,
      erased: status.erased,
      keys: status.keys.map((key) => ({ id: key.id, createdAt: toTimestamp(key.createdAt), ...(key.erasedAt !== null && { erasedAt: toTimestamp(key.erasedAt) }) })),
    };
  }
}
