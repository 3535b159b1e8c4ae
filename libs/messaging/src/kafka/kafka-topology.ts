import { TOPIC_CONTEXTS, contextOfStream, topicOf as contractTopicOf, type ContextName } from '@ticketing/contracts';
import type { KafkaClient } from './kafka-client';

/** Which context publishes each event type, i.e. which topic carries it. */
export type EventContexts = Readonly<Record<string, ContextName>>;

/** Suffix of the dead-letter topic beside every context topic. */
export const DEAD_LETTER_TOPIC_SUFFIX = '.dlq';

/** `ticketing.intake.events` → `ticketing.intake.events.dlq`. */
export const deadLetterTopicOf = (topic: string): string => `${topic}${DEAD_LETTER_TOPIC_SUFFIX}`;

/** Every context with a topic (it owns streams), in the contracts' order. */
export const ALL_CONTEXTS = TOPIC_CONTEXTS;

/**
 * Build the event type → context map from the contracts' per-context lists, e.g.
 * `eventContextsOf(EVENT_TYPES_BY_CONTEXT)` (libs/contracts).
 * Throws when two contexts claim the same type: a type has exactly one topic.
 */
export function eventContextsOf(byContext: Partial<Record<ContextName, readonly string[]>>): EventContexts {
  const contexts: Record<string, ContextName> = {};
  for (const [context, types] of Object.entries(byContext) as [ContextName, readonly string[]][]) {
    for (const type of types) {
      const owner = contexts[type];
      if (owner !== undefined && owner !== context) {
        throw new Error(`Event type ${type} is claimed by both ${owner} and ${context}`);
      }
      contexts[type] = context;
    }
  }
  return contexts;
}

export type KafkaTopologyOptions = Readonly<{
  eventContexts?: EventContexts;
  /** Topic of a context; default `ticketing.<context>.events` from the contracts. Tests prefix it to isolate runs. */
  topicOf?: (context: ContextName) => string;
}>;

/**
 * Where events live on Kafka: one topic per context (key = ticket id, so per-ticket order holds
 * across event types), and a dead-letter topic beside each.
 */
export class KafkaTopology {
  private readonly eventContexts: EventContexts;
  readonly topicOf: (context: ContextName) => string;

  constructor(options: KafkaTopologyOptions = {}) {
    this.eventContexts = options.eventContexts ?? {};
    this.topicOf = options.topicOf ?? contractTopicOf;
  }

  /** Topic an event of this stream is published to, or undefined for streams outside every context. */
  topicOfStream(streamName: string): string | undefined {
    const context = contextOfStream(streamName);
    return context === undefined ? undefined : this.topicOf(context);
  }

  /**
   * Topics a consumer group must read to see these event types. Throws on a type with no known
   * context: a handler that silently never receives anything is worse than a failed boot.
   */
  topicsForEventTypes(group: string, eventTypes: readonly string[]): string[] {
    const unknown = eventTypes.filter((type) => this.eventContexts[type] === undefined);
    if (unknown.length > 0) {
      throw new Error(
        `Consumer group ${group} handles ${unknown.join(', ')}, but no context is known for ` +
          `${unknown.length === 1 ? 'it' : 'them'}: add ${unknown.length === 1 ? 'it' : 'them'} to the Kafka bus's eventContexts`,
      );
    }
    return [...new Set(eventTypes.map((type) => this.topicOf(this.eventContexts[type])))].sort();
  }

  /** Dead-letter topics of every context. */
  deadLetterTopics(): string[] {
    return ALL_CONTEXTS.map((context) => deadLetterTopicOf(this.topicOf(context)));
  }

  /** Event topics of every context. */
  eventTopics(): string[] {
    return ALL_CONTEXTS.map((context) => this.topicOf(context));
  }
}

/** Partitions and replication of topics the bus creates itself (dev, tests); production provisions its own. */
export type TopicSettings = Readonly<{ numPartitions: number; replicationFactor: number }>;

/**
 * Create every context topic and its dead-letter topic that does not exist yet. Run it before the
 * relay's first publish, or the broker may auto-create a topic with its default partition count.
 * Returns the topics it created.
 */
export async function ensureBusTopics(kafka: KafkaClient, topology: KafkaTopology, settings: TopicSettings): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = topology.eventTopics().flatMap((topic) => [topic, deadLetterTopicOf(topic)]);
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, ...settings })) });
    }
    return missing;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
