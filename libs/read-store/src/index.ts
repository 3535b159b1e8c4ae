export {
  openReadStore,
  READ_STORE,
  supportedReadStoreSchemes,
  type OpenReadStoreOptions,
  type ReadStore,
  type ReadStoreDialect,
} from './read-store.factory';
export {
  defineProjection,
  matchesFilter,
  type AnyProjectionDefinition,
  type DefineProjectionInput,
  type ProjectedEvent,
  type ProjectionDefinition,
} from './projection';
export {
  ProjectionRunner,
  PROJECTION_RUNNER,
  rebuildProjections,
  type ProjectionRunnerOptions,
  type RebuildProjectionsOptions,
  type WaitOptions,
  type CaughtUpOptions,
  type WrittenEvent,
} from './projection.runner';
export type { ProjectionLogger, ProjectionState, ProjectionStatus, RetryPolicy } from './projection.worker';
export {
  CheckpointMovedError,
  ProjectionFailedError,
  ProjectionStoppedError,
  ProjectionVersionError,
  type ProjectionFailure,
} from './projection.errors';
export {
  listProjectionFailures,
  readCheckpoints,
  type StoredCheckpoint,
} from './projection-checkpoint.repository';
export { prepareQuery, type ParameterOf, type PreparedQuery } from './prepared-query';
