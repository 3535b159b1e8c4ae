import { TOPIC_CONTEXTS } from '@ticketing/contracts';

/** Every context that owns streams, hence a Kafka topic (audit only reads). */
export const ALL_CONTEXTS = TOPIC_CONTEXTS;
