import { KB_CONTEXT } from '@ticketing/kb-feature';
import { defineService } from '@ticketing/runtime';

/** The knowledge-base deployable: articles, search, suggestions and deflection over REST and gRPC; relays `article-` and `kb-session-` streams. */
export const KB_SERVICE = defineService({ name: 'kb', contexts: [KB_CONTEXT] });
