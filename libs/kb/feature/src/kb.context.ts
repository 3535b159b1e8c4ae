import { KB_CONTRACT, KB_GRPC_PACKAGE, KB_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { KbModule } from './kb.module';

/** The fully-qualified name of the knowledge base's gRPC service. */
export const KB_GRPC_SERVICE = `${KB_GRPC_PACKAGE}.KnowledgeBase`;

/**
 * The knowledge base: articles (`article-<id>`), search and suggestions, and deflection sessions
 * (`kb-session-<id>`). Its own context rather than intake's: articles live and change apart from any
 * ticket, its read side (an in-memory index) scales apart from ticket intake, and intake needs only
 * the ArticleSuggester port. Its gRPC API shares the process's gRPC server (TICKETING_GRPC_PORT).
 */
export const KB_CONTEXT = defineContext({
  contract: KB_CONTRACT,
  module: KbModule,
  projections: KbModule.projections,
  serves: 'api',
  grpc: { package: KB_GRPC_PACKAGE, protoFile: KB_PROTO_FILE, services: [KB_GRPC_SERVICE] },
});
