import { assertNever, IllegalStateError, NotFoundError, ValidationError, type Command, type Decider } from '@ticketing/kernel';
import { CHANNELS, LANGUAGES, type Category, type Channel, type Language, type RoutingEvent, type TicketClassified, type TicketQueued, type TicketRecategorized } from '@ticketing/contracts';
import { chooseQueue, decidePriority, SIGNALS, type RoutingRules } from './routing-rules';
import { evolveRouting, initialRoutingState, type RoutingState } from './routing.state';

/** What the model said about a ticket's text. */
export type Prediction = Readonly<{ category: Category; confidence: number; modelVersion: string }>;

export type ClassifyTicket = Command<
  'ClassifyTicket',
  {
    ticketId: string;
    channel: Channel;
    language: Language;
    prediction: Prediction;
    assetAmountAboveThreshold: boolean;
    rules: RoutingRules;
    now: string;
  }
>;

export type RecategorizeTicket = Command<
  'RecategorizeTicket',
  { ticketId: string; to: Category; by: string; reason: string | null; rules: RoutingRules; now: string }
>;

export type RoutingCommand = ClassifyTicket | RecategorizeTicket;

export const ROUTING_SCHEMA_VERSION = 1;

/** Classifies and queues in one decision. Idempotent: a ticket already routed (TicketOpened delivered twice) decides nothing. */
function classifyTicket(command: ClassifyTicket, state: RoutingState): readonly (TicketClassified | TicketQueued)[] {
  if (state.status !== 'unrouted') return [];
  const { ticketId, channel, language, prediction, assetAmountAboveThreshold, rules, now } = command.data;
  // A malformed TicketOpened (in the log before a fix, or forged) is refused, so it ends among the dead letters rather than in a made-up queue.
  if (!(CHANNELS as readonly string[]).includes(channel) || !(LANGUAGES as readonly string[]).includes(language)) {
    throw new ValidationError(`Ticket ${ticketId} has no routable channel and language (${String(channel)}, ${String(language)})`, [
      { field: 'channel', message: `must be one of ${CHANNELS.join(', ')}` },
    ]);
  }
  const { priority, signals } = decidePriority(prediction.category, { channel, assetAmountAboveThreshold }, rules.priority);
  const lowConfidence = prediction.confidence < rules.minConfidence;
  const { queue, rule } = chooseQueue({ category: prediction.category, priority, channel, language, confidence: prediction.confidence }, rules);
  return [
    {
      type: 'TicketClassified',
      schemaVersion: ROUTING_SCHEMA_VERSION,
      data: {
        ticketId,
        channel,
        language,
        category: prediction.category,
        priority,
        confidence: prediction.confidence,
        modelVersion: prediction.modelVersion,
        signals: lowConfidence ? [...signals, 'low_confidence'] : signals,
        classifiedAt: now,
      },
    },
    { type: 'TicketQueued', schemaVersion: ROUTING_SCHEMA_VERSION, data: { ticketId, queue, rule, queuedAt: now } },
  ];
}

/** A person corrects the category: the priority follows by the same rules and the ticket moves queue if it must. */
function recategorizeTicket(command: RecategorizeTicket, state: RoutingState): readonly (TicketRecategorized | TicketQueued)[] {
  const { ticketId, to, by, reason, rules, now } = command.data;
  if (state.status === 'unrouted') throw new NotFoundError(`Ticket ${ticketId} has not been classified (unknown or not yet routed)`);
  if (state.status === 'queued') throw new IllegalStateError('queued without a category', 'recategorize', `Ticket ${ticketId} was queued before classification existed and has no category to correct`);
  if (state.category === to) return [];
  const { priority } = decidePriority(
    to,
    { channel: state.channel, assetAmountAboveThreshold: state.signals.includes(SIGNALS.assetAmountAboveThreshold) },
    rules.priority,
  );
  const recategorized: TicketRecategorized = {
    type: 'TicketRecategorized',
    schemaVersion: ROUTING_SCHEMA_VERSION,
    data: { ticketId, from: state.category, to, priority, by, reason, recategorizedAt: now },
  };
  const { queue, rule } = chooseQueue({ category: to, priority, channel: state.channel, language: state.language, confidence: null }, rules);
  if (queue === state.queue) return [recategorized];
  return [recategorized, { type: 'TicketQueued', schemaVersion: ROUTING_SCHEMA_VERSION, data: { ticketId, queue, rule, queuedAt: now } }];
}

export function decideRouting(command: RoutingCommand, state: RoutingState): readonly RoutingEvent[] {
  switch (command.type) {
    case 'ClassifyTicket':
      return classifyTicket(command, state);
    case 'RecategorizeTicket':
      return recategorizeTicket(command, state);
    default:
      return assertNever(command);
  }
}

/** The write model of routing's `routing-<id>` stream. */
export const routingDecider: Decider<RoutingState, RoutingCommand, RoutingEvent> = {
  initialState: initialRoutingState,
  evolve: evolveRouting,
  decide: decideRouting,
};
