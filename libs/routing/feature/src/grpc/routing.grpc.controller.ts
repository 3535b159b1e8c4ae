import { Controller, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { AGENT_AVAILABILITIES, type AgentAvailability } from '@ticketing/contracts';
import {
  CurrentActor,
  GrpcCorrelationInterceptor,
  IdempotencyInterceptor,
  protoEnum,
  RateLimitClass,
  Roles,
  toOptionalTimestamp,
  validated,
  type AuthenticatedActor,
  type EnumValue,
} from '@ticketing/platform';
import { AGENT_ID, AgentAvailabilityRequest, AssignTicketRequest, EscalateTicketRequest, PutAgentRequest, ReleaseTicketRequest, TransferTicketRequest, type AgentResponse } from '../http/agents.dto';
import { ClassifyRequest, RecategorizeRequest, type RoutedTicketResponse } from '../http/routing.dto';
import { PeopleApiService } from '../people-api.service';
import { RoutingApiService } from '../routing-api.service';

const SERVICE = 'RoutingService';
const STAFF = ['agent', 'supervisor', 'admin'] as const;

const categoryEnum = protoEnum('CATEGORY_');
const priorityEnum = protoEnum('PRIORITY_');
const channelEnum = protoEnum('CHANNEL_');
const languageEnum = protoEnum('LANGUAGE_');
const clearanceEnum = protoEnum('AGENT_CLEARANCE_');
const availabilityEnum = protoEnum('AGENT_AVAILABILITY_');
const routingStatusEnum = protoEnum('ROUTING_STATUS_');
const SUPERVISING = ['supervisor', 'admin'] as const;
const AGENT_ID_MESSAGE = { message: 'agentId must be 1–128 letters, digits or ._:@|+- (the agent’s token subject)' };

class TicketIdRequest {
  @IsUUID() ticketId!: string;
}

class RecategorizeTicketRequest extends RecategorizeRequest {
  @IsUUID() ticketId!: string;
}

class AgentIdRequest {
  @Matches(AGENT_ID, AGENT_ID_MESSAGE) agentId!: string;
}

class PutAgentMessageRequest extends PutAgentRequest {
  @Matches(AGENT_ID, AGENT_ID_MESSAGE) agentId!: string;
}

class SetAvailabilityMessageRequest extends AgentAvailabilityRequest {
  @Matches(AGENT_ID, AGENT_ID_MESSAGE) agentId!: string;
}

class ListAgentsMessageRequest {
  @IsOptional() @IsIn(AGENT_AVAILABILITIES) availability?: AgentAvailability;
}

class AssignTicketMessageRequest extends AssignTicketRequest {
  @IsUUID() ticketId!: string;
}

class ReleaseTicketMessageRequest extends ReleaseTicketRequest {
  @IsUUID() ticketId!: string;
}

class TransferTicketMessageRequest extends TransferTicketRequest {
  @IsUUID() ticketId!: string;
}

class EscalateTicketMessageRequest extends EscalateTicketRequest {
  @IsUUID() ticketId!: string;
}


type RoutedTicketMessage = Readonly<{
  ticketId: string;
  queue: string;
  category: string;
  priority: string;
  confidence?: number;
  signals: string[];
  assignee?: string;
  status: string;
  transfers: number;
}>;

const toRoutedTicketMessage = (routed: RoutedTicketResponse): RoutedTicketMessage => ({
  ticketId: routed.ticketId,
  queue: routed.queue,
  category: routed.category === null ? 'CATEGORY_UNSPECIFIED' : categoryEnum.toProto(routed.category),
  priority: routed.priority === null ? 'PRIORITY_UNSPECIFIED' : priorityEnum.toProto(routed.priority),
  ...(routed.confidence !== null && { confidence: routed.confidence }),
  signals: routed.signals,
  ...(routed.assignee !== null && { assignee: routed.assignee }),
  status: routingStatusEnum.toProto(routed.status),
  transfers: routed.transfers,
});

const toAgentMessage = (agent: AgentResponse) => ({
  agentId: agent.agentId,
  displayName: agent.displayName,
  languages: agent.languages.map(languageEnum.toProto),
  skills: agent.skills.map(categoryEnum.toProto),
  clearances: agent.clearances.map(clearanceEnum.toProto),
  capacity: { ...agent.capacity },
  limits: agent.limits,
  load: agent.load,
  timeZone: agent.timeZone ?? '',
  shifts: agent.shifts,
  availability: availabilityEnum.toProto(agent.availability),
  availableSince: toOptionalTimestamp(agent.availableSince),
  onShift: agent.onShift,
  retired: agent.retired,
  heldTickets: agent.heldTickets,
  lastTakenAt: toOptionalTimestamp(agent.lastTakenAt),
});

type ShiftMessage = Readonly<{ days?: string[]; start?: string; end?: string }>;
type PutAgentMessage = Readonly<{
  agentId: string;
  displayName: string;
  languages?: EnumValue[];
  skills?: EnumValue[];
  clearances?: EnumValue[];
  capacity?: Record<string, number>;
  timeZone?: string;
  shifts?: ShiftMessage[];
}>;

/**
 * ticketing.routing.v1.RoutingService: the REST operations of /v1/routing with the same roles and
 * validation, answered by the same controller methods (one request → one call).
 */
@Controller()
@UseInterceptors(GrpcCorrelationInterceptor)
export class RoutingGrpcController {
  constructor(
    private readonly routing: RoutingApiService,
    private readonly people: PeopleApiService,
  ) {}

  @GrpcMethod(SERVICE, 'ClassifyText')
  @Roles('customer', 'agent', 'supervisor', 'service', 'admin', 'auditor', 'ops')
  async classifyText(@Payload() message: { subject: string; body: string; channel: EnumValue }) {
    const request = await validated(ClassifyRequest, {
      ...(message.subject ? { subject: message.subject } : {}),
      body: message.body,
      channel: channelEnum.fromProto(message.channel),
    });
    const verdict = await this.routing.classify(request);
    return { ...verdict, category: categoryEnum.toProto(verdict.category), priority: priorityEnum.toProto(verdict.priority), language: languageEnum.toProto(verdict.language) };
  }

  @GrpcMethod(SERVICE, 'RecategorizeTicket')
  @Roles(...STAFF)
  @UseInterceptors(IdempotencyInterceptor)
  async recategorizeTicket(@Payload() message: { ticketId: string; category: EnumValue; reason: string }, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketMessage> {
    const request = await validated(RecategorizeTicketRequest, {
      ticketId: message.ticketId,
      category: categoryEnum.fromProto(message.category),
      ...(message.reason ? { reason: message.reason } : {}),
    });
    return toRoutedTicketMessage(await this.routing.recategorize(request.ticketId, request.category, request.reason ?? null, actor));
  }

  @GrpcMethod(SERVICE, 'GetTicketRouting')
  @RateLimitClass('read')
  @Roles(...STAFF, 'auditor', 'ops')
  async getTicketRouting(@Payload() message: { ticketId: string }): Promise<RoutedTicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toRoutedTicketMessage(await this.routing.ticket(ticketId));
  }

  @GrpcMethod(SERVICE, 'ListQueues')
  @RateLimitClass('read')
  @Roles(...STAFF, 'ops')
  async listQueues() {
    const { queues } = await this.routing.queues();
    return { queues: queues.map(({ queue, waiting, emergencies, oldestWaitSeconds }) => ({ queue, waiting, emergencies, oldestWaitSeconds: String(oldestWaitSeconds ?? 0) })) };
  }

  @GrpcMethod(SERVICE, 'PutAgent')
  @Roles(...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async putAgent(@Payload() message: PutAgentMessage, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(PutAgentMessageRequest, {
      agentId: message.agentId,
      displayName: message.displayName,
      languages: (message.languages ?? []).map(languageEnum.fromProto),
      skills: (message.skills ?? []).map(categoryEnum.fromProto),
      clearances: (message.clearances ?? []).map(clearanceEnum.fromProto),
      // A map key that is no channel is refused by the DTO as an unknown field, as in REST.
      capacity: { ...message.capacity },
      ...(message.timeZone ? { timeZone: message.timeZone } : {}),
      shifts: (message.shifts ?? []).map((shift) => ({ days: shift.days ?? [], start: shift.start ?? '', end: shift.end ?? '' })),
    });
    const { agentId, ...profile } = request;
    return toAgentMessage(await this.people.putAgent(agentId, profile, actor));
  }

  @GrpcMethod(SERVICE, 'GetAgent')
  @RateLimitClass('read')
  @Roles('agent', 'supervisor', 'admin', 'ops')
  async getAgent(@Payload() message: { agentId: string }) {
    const { agentId } = await validated(AgentIdRequest, { agentId: message.agentId });
    return toAgentMessage(await this.people.getAgent(agentId));
  }

  @GrpcMethod(SERVICE, 'ListAgents')
  @RateLimitClass('read')
  @Roles('agent', 'supervisor', 'admin', 'ops')
  async listAgents(@Payload() message: { limit?: number; cursor?: string; availability?: EnumValue }) {
    const { availability } = await validated(ListAgentsMessageRequest, message.availability === undefined ? {} : { availability: availabilityEnum.fromProto(message.availability) });
    const page = await this.people.listAgents({ limit: message.limit, cursor: message.cursor, availability });
    return { items: page.items.map(toAgentMessage), ...(page.nextCursor !== null && { nextCursor: page.nextCursor }) };
  }

  @GrpcMethod(SERVICE, 'RetireAgent')
  @Roles(...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async retireAgent(@Payload() message: { agentId: string }, @CurrentActor() actor: AuthenticatedActor) {
    const { agentId } = await validated(AgentIdRequest, { agentId: message.agentId });
    return toAgentMessage(await this.people.retireAgent(agentId, actor));
  }

  @GrpcMethod(SERVICE, 'SetAgentAvailability')
  @Roles('agent', ...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async setAgentAvailability(@Payload() message: { agentId: string; status: EnumValue }, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(SetAvailabilityMessageRequest, { agentId: message.agentId, status: availabilityEnum.fromProto(message.status) });
    return toAgentMessage(await this.people.setAvailability(request.agentId, request.status, actor));
  }

  @GrpcMethod(SERVICE, 'AssignTicket')
  @Roles(...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async assignTicket(@Payload() message: { ticketId: string; agentId: string; reason: string }, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketMessage> {
    const request = await validated(AssignTicketMessageRequest, { ticketId: message.ticketId, agentId: message.agentId, ...(message.reason ? { reason: message.reason } : {}) });
    return toRoutedTicketMessage(await this.people.assign(request.ticketId, request.agentId, request.reason, actor));
  }

  @GrpcMethod(SERVICE, 'ClaimTicket')
  @Roles('agent', 'supervisor')
  @UseInterceptors(IdempotencyInterceptor)
  async claimTicket(@Payload() message: { ticketId: string }, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketMessage> {
    const { ticketId } = await validated(TicketIdRequest, { ticketId: message.ticketId });
    return toRoutedTicketMessage(await this.people.claim(ticketId, actor));
  }

  @GrpcMethod(SERVICE, 'ReleaseTicket')
  @Roles('agent', ...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async releaseTicket(@Payload() message: { ticketId: string; reason: string }, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketMessage> {
    const request = await validated(ReleaseTicketMessageRequest, { ticketId: message.ticketId, ...(message.reason ? { reason: message.reason } : {}) });
    return toRoutedTicketMessage(await this.people.release(request.ticketId, request.reason, actor));
  }

  @GrpcMethod(SERVICE, 'TransferTicket')
  @Roles('agent', ...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async transferTicket(@Payload() message: { ticketId: string; toQueue: string; toAgentId: string; reason: string }, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketMessage> {
    const request = await validated(TransferTicketMessageRequest, {
      ticketId: message.ticketId,
      ...(message.toQueue ? { toQueue: message.toQueue } : {}),
      ...(message.toAgentId ? { toAgentId: message.toAgentId } : {}),
      reason: message.reason,
    });
    return toRoutedTicketMessage(await this.people.transfer(request.ticketId, { toQueue: request.toQueue, toAgentId: request.toAgentId }, request.reason, actor));
  }

  @GrpcMethod(SERVICE, 'EscalateTicket')
  @Roles('agent', ...SUPERVISING)
  @UseInterceptors(IdempotencyInterceptor)
  async escalateTicket(@Payload() message: { ticketId: string; reason: string }, @CurrentActor() actor: AuthenticatedActor): Promise<RoutedTicketMessage> {
    const request = await validated(EscalateTicketMessageRequest, { ticketId: message.ticketId, reason: message.reason });
    return toRoutedTicketMessage(await this.people.escalate(request.ticketId, request.reason, actor));
  }

  @GrpcMethod(SERVICE, 'ListMyTickets')
  @RateLimitClass('read')
  @Roles('agent', 'supervisor')
  async listMyTickets(@CurrentActor() actor: AuthenticatedActor) {
    const { tickets } = await this.people.myTickets(actor);
    return { tickets: tickets.map(toRoutedTicketMessage) };
  }
}
