import { Controller, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { IsUUID } from 'class-validator';
import {
  CurrentActor,
  GrpcCorrelationInterceptor,
  IdempotencyInterceptor,
  protoEnum,
  RateLimitClass,
  Roles,
  validated,
  type AuthenticatedActor,
  type EnumValue,
} from '@ticketing/platform';
import { ClassifyRequest, RecategorizeRequest, type RoutedTicketResponse } from '../http/routing.dto';
import { RoutingApiService } from '../routing-api.service';

const SERVICE = 'RoutingService';
const STAFF = ['agent', 'supervisor', 'admin'] as const;

const categoryEnum = protoEnum('CATEGORY_');
const priorityEnum = protoEnum('PRIORITY_');
const channelEnum = protoEnum('CHANNEL_');
const languageEnum = protoEnum('LANGUAGE_');

class TicketIdRequest {
  @IsUUID() ticketId!: string;
}

class RecategorizeTicketRequest extends RecategorizeRequest {
  @IsUUID() ticketId!: string;
}

type RoutedTicketMessage = Readonly<{ ticketId: string; queue: string; category: string; priority: string; confidence?: number; signals: string[] }>;

const toRoutedTicketMessage = (routed: RoutedTicketResponse): RoutedTicketMessage => ({
  ticketId: routed.ticketId,
  queue: routed.queue,
  category: routed.category === null ? 'CATEGORY_UNSPECIFIED' : categoryEnum.toProto(routed.category),
  priority: routed.priority === null ? 'PRIORITY_UNSPECIFIED' : priorityEnum.toProto(routed.priority),
  ...(routed.confidence !== null && { confidence: routed.confidence }),
  signals: routed.signals,
});

/**
 * ticketing.routing.v1.RoutingService: the REST operations of /v1/routing with the same roles and
 * validation, answered by the same controller methods (one request → one call).
 */
@Controller()
@UseInterceptors(GrpcCorrelationInterceptor)
export class RoutingGrpcController {
  constructor(private readonly routing: RoutingApiService) {}

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
}
