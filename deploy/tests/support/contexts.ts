import { STREAM_PREFIXES, type ContextName } from '@ticketing/contracts';

/** Every context that owns streams, hence a Kafka topic (audit only reads). */
export const ALL_CONTEXTS = Object.keys(STREAM_PREFIXES) as ContextName[];
