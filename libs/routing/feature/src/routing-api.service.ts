import { Inject, Injectable } from '@nestjs/common';
import { LANGUAGES, type Category } from '@ticketing/contracts';
import { CLOCK, newId, NotFoundError, type Clock } from '@ticketing/kernel';
import { CorrelationContext, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { decidePriority, dispatchOrder, ineligibility, unassignedReason, type RoutedState, type RoutingRules } from '@ticketing/routing-domain';
import { TICKET_CLASSIFIER, type TicketClassifier } from './classifier/ticket-classifier';
import { AssignmentService } from './dispatch/assignment.service';
import { agentCandidateOf, waitingTicketOf } from './dispatch/dispatcher.task';
import type { ClassifyRequest, ClassifyResponse, QueueListResponse, RoutedTicketResponse, RoutingStatus, WaitingTicketResponse, WaitingTicketsResponse } from './http/routing.dto';
import type { RoutedTicketRow } from './queues/routing-board.projection';
import { RoutingBoardQuery } from './queues/routing-board.query';
import { RoutingCommandsService } from './routing-commands.service';
import { ROUTING_RULES } from './routing-rules.config';

const statusOf = (finished: boolean, assignee: string | null): RoutingStatus => (finished ? 'finished' : assignee !== null ? 'assigned' : 'waiting');

/** A board row as the API shows it; `transfers` is not on the board (read from the ticket's stream). */
export const toRoutedTicketResponse = (row: RoutedTicketRow, transfers: number): RoutedTicketResponse => ({
  ticketId: row.ticket_id,
  queue: row.queue,
  category: row.category as RoutedTicketResponse['category'],
  priority: row.priority as RoutedTicketResponse['priority'],
  confidence: row.confidence === null ? null : Number(row.confidence),
  signals: JSON.parse(row.signals) as string[],
  assignee: row.assignee,
  status: statusOf(Number(row.finished) === 1, row.assignee),
  transfers,
});

/** A ticket's routing folded from its stream: never behind a write just made. */
export const toRoutedResponse = (state: RoutedState): RoutedTicketResponse => ({
  ticketId: state.ticketId,
  queue: state.queue ?? '',
  category: state.status === 'classified' ? state.category : null,
  priority: state.status === 'classified' ? state.priority : null,
  confidence: state.status === 'classified' ? state.confidence : null,
  signals: state.status === 'classified' ? [...state.signals] : [],
  assignee: state.holder,
  status: statusOf(state.finished, state.holder),
  transfers: state.transfers,
});

/**
 * Every queue the rules can place a ticket in: each queue rule's queue for every desk and language,
 * the supervisors' queue, the queues that need clearances, the queues worked by clearance alone,
 * and `triage` (where a ticket no rule places goes).
 */
export function knownQueues(rules: RoutingRules): ReadonlySet<string> {
  const queues = new Set<string>(['triage', rules.dispatch.supervisorQueue, ...Object.keys(rules.dispatch.queueClearances), ...rules.dispatch.anySkillQueues]);
  const groups = [...new Set(Object.values(rules.categoryGroups))];
  for (const rule of rules.queues) {
    for (const group of groups) for (const language of LANGUAGES) queues.add(rule.queue.replaceAll('{group}', group).replaceAll('{language}', language));
  }
  return queues;
}

/** Routing's operations as REST and gRPC both answer them (each transport maps its request onto one call). */
@Injectable()
export class RoutingApiService {
  private readonly queueNames: ReadonlySet<string>;

  constructor(
    @Inject(TICKET_CLASSIFIER) private readonly classifier: TicketClassifier,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: RoutingCommandsService,
    private readonly board: RoutingBoardQuery,
    private readonly assignments: AssignmentService,
  ) {
    this.queueNames = knownQueues(rules);
  }

  async classify(request: ClassifyRequest): Promise<ClassifyResponse> {
    const verdict = await this.classifier.classify({ subject: request.subject, body: request.body });
    const { priority } = decidePriority(verdict.category, { channel: request.channel, assetAmountAboveThreshold: false }, this.rules.priority);
    return {
      category: verdict.category,
      priority,
      confidence: verdict.confidence,
      language: verdict.language,
      modelVersion: verdict.modelVersion,
      lowConfidence: verdict.confidence < this.rules.minConfidence,
    };
  }

  async recategorize(ticketId: string, category: Category, reason: string | null, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    await this.commands.recategorize(ticketId, category, reason, {
      actor: toEventActor(actor),
      correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
    });
    return this.ticket(ticketId);
  }

  async ticket(ticketId: string): Promise<RoutedTicketResponse> {
    return toRoutedResponse(await this.assignments.routed(ticketId));
  }

  async queues(): Promise<QueueListResponse> {
    const now = this.clock.now().getTime();
    const depths = await this.board.queues();
    return {
      queues: depths.map((depth) => ({
        ...depth,
        oldestWaitSeconds: depth.oldestQueuedAt === null ? null : Math.max(0, Math.floor((now - Date.parse(depth.oldestQueuedAt)) / 1000)),
      })),
    };
  }

  /** Whether the rules know the queue, or a ticket was ever routed to it (a queue of earlier rules). */
  async queueExists(queue: string): Promise<boolean> {
    return this.queueNames.has(queue) || (await this.board.queueSeen(queue));
  }

  /** A queue's waiting tickets in dispatch order, each with its SLA due time and why no agent has it. */
  async waiting(queue: string, limit: number): Promise<WaitingTicketsResponse> {
    if (!(await this.queueExists(queue))) throw new NotFoundError(`Queue ${queue} does not exist: no routing rule places tickets there and none was ever routed to it`);
    const now = this.clock.now();
    const [rows, agentRows, peak] = await Promise.all([this.board.allWaitingIn(queue), this.board.activeAgents(), this.board.inSurge()]);
    const agents = agentRows.map(agentCandidateOf);
    const ordered = rows
      .map((row) => ({ row, ticket: waitingTicketOf(row) }))
      .sort((a, b) => dispatchOrder(a.ticket, b.ticket))
      .slice(0, limit);
    const tickets = await Promise.all(
      ordered.map(async ({ row, ticket }): Promise<WaitingTicketResponse> => {
        const eligible = agents.filter((agent) => ineligibility(ticket, agent, this.rules.dispatch, now) === null).length;
        const reason =
          eligible > 0 && !peak ? `${eligible} eligible (assigned on the next dispatch round)` : unassignedReason(ticket, agents, this.rules.dispatch, now);
        const state = await this.assignments.ticket(row.ticket_id);
        return {
          ...toRoutedTicketResponse(row, state.status === 'unrouted' ? 0 : state.transfers),
          queuedAt: row.queued_at,
          slaDueAt: ticket.slaDueAt,
          unassignedReason: reason,
        };
      }),
    );
    return { queue, tickets };
  }
}
