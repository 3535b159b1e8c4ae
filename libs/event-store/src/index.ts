export * from './event-store.port';
export {
  GENESIS_HASH,
  ChainVerifier,
  canonicalJsonOf,
  chainEvents,
  hashOf,
  verifyChain,
  verifyChainAsync,
} from './hash-chain';
export type { ChainedEvent, ChainVerification, HashedContent } from './hash-chain';
export type { AppendedListener, CommonEventStoreOptions } from './store-options';
export { MemoryEventStore } from './memory/memory-event-store.adapter';
export type { MemoryEventStoreOptions } from './memory/memory-event-store.adapter';
export { SqliteEventStore, SQLITE_EVENT_STORE_SCHEMA } from './sqlite/sqlite-event-store.adapter';
export type { SqliteEventStoreOptions, SqliteSynchronous } from './sqlite/sqlite-event-store.adapter';
export { ensurePrivateDir, preparePrivateSqliteFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './sqlite/private-files';
export { KurrentDbEventStore, normalizeConnectionString } from './kurrentdb/kurrentdb-event-store.adapter';
export type { KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store.adapter';
export { UnmappablePositionError } from './kurrentdb/kurrentdb-position';
export { openEventStore, supportedEventStoreSchemes } from './open-event-store';
export type { OpenEventStoreOptions } from './open-event-store';
export * from './command-handler';
export { ForwardingEventStore } from './forwarding-event.store';
export { inSpan, traceContextOf, traceLinksOf } from './trace-context';
