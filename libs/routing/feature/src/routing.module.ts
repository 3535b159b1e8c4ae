import { Global, Module, type Provider } from '@nestjs/common';
import { CATEGORY_GUESSER, type CategoryGuesser } from '@ticketing/contracts';
import { CLASSIFIER_MODELS, classifierModelsProvider } from './classifier/classifier-models.provider';
import { InlineTicketClassifier, TICKET_CLASSIFIER, type ClassifierModels, type TicketClassifier } from './classifier/ticket-classifier';
import { ThreadedTicketClassifier } from './classifier/threaded-ticket-classifier';
import { AgentCommandsService } from './agents/agent-commands.service';
import { routingAgentsProjection } from './agents/routing-agents.projection';
import { AssignmentService } from './dispatch/assignment.service';
import { DispatchConsumer } from './dispatch/dispatch.consumer';
import { Dispatcher } from './dispatch/dispatcher.task';
import { RoutingGrpcController } from './grpc/routing.grpc.controller';
import { AgentsHttpController } from './http/agents.http.controller';
import { AssignmentsHttpController } from './http/assignments.http.controller';
import { RoutingHttpController } from './http/routing.http.controller';
import { RoutingMetrics } from './metrics/routing.metrics';
import { PeopleApiService } from './people-api.service';
import { routingBoardProjection } from './queues/routing-board.projection';
import { RoutingBoardQuery } from './queues/routing-board.query';
import { RoutingApiService } from './routing-api.service';
import { RoutingCommandsService } from './routing-commands.service';
import { ROUTING_RULES, routingRulesFromEnv } from './routing-rules.config';
import { CaseOpenedConsumer } from './case-opened.consumer';
import { TicketOpenedConsumer } from './ticket-opened.consumer';

const rulesProvider: Provider = { provide: ROUTING_RULES, useFactory: () => routingRulesFromEnv() };

/**
 * Routing's API: classify, recategorize, queues, agents and assignments; the dispatcher runs as a
 * background task. Scoring for HTTP runs on worker threads. Global so
 * that other contexts composed with it (the knowledge base) may inject CATEGORY_GUESSER.
 */
@Global()
@Module({
  controllers: [RoutingHttpController, AgentsHttpController, AssignmentsHttpController, RoutingGrpcController],
  providers: [
    rulesProvider,
    classifierModelsProvider,
    { provide: TICKET_CLASSIFIER, useFactory: (models: ClassifierModels) => new ThreadedTicketClassifier(models), inject: [CLASSIFIER_MODELS] },
    RoutingCommandsService,
    RoutingBoardQuery,
    RoutingApiService,
    AgentCommandsService,
    AssignmentService,
    Dispatcher,
    RoutingMetrics,
    PeopleApiService,
    {
      provide: CATEGORY_GUESSER,
      useFactory: (classifier: TicketClassifier): CategoryGuesser => ({
        guess: async (text) => {
          const { category, confidence } = await classifier.classify({ body: text });
          return { category, confidence };
        },
      }),
      inject: [TICKET_CLASSIFIER],
    },
  ],
  exports: [CATEGORY_GUESSER],
})
export class RoutingModule {
  static readonly projections = [routingBoardProjection, routingAgentsProjection];
}

/**
 * Routing's bus consumers, on the consumer thread under `ticketing start`: classify and queue every
 * opened ticket; follow resolutions, reopens, SLA breaches and releases for dispatch; recategorize
 * tickets a dispute or recovery is opened on.
 */
@Module({
  controllers: [TicketOpenedConsumer, DispatchConsumer, CaseOpenedConsumer],
  providers: [
    rulesProvider,
    AgentCommandsService,
    AssignmentService,
    classifierModelsProvider,
    { provide: TICKET_CLASSIFIER, useFactory: (models: ClassifierModels) => new InlineTicketClassifier(models), inject: [CLASSIFIER_MODELS] },
  ],
})
export class RoutingConsumersModule {}
