/** Why a projection stopped: the event it could not get past, and the last error. */
export type ProjectionFailure = Readonly<{
  projection: string;
  version: number;
  /** Global position of the event that failed (0 when no event was involved, e.g. a failed migration). */
  position: number;
  eventId: string;
  eventType: string;
  streamName: string;
  error: string;
  attempts: number;
  failedAt: string;
}>;

/** A projection stopped instead of skipping an event; see `failure`, and projection_failures. */
export class ProjectionFailedError extends Error {
  constructor(readonly failure: ProjectionFailure) {
    super(
      failure.eventId
        ? `Projection ${failure.projection} stopped at event ${failure.eventId} (${failure.eventType}, position ${failure.position}) after ${failure.attempts} attempts: ${failure.error}`
        : `Projection ${failure.projection} stopped: ${failure.error}`,
    );
    this.name = 'ProjectionFailedError';
  }
}

/** The projection was stopped while someone waited for it. */
export class ProjectionStoppedError extends Error {
  constructor(readonly projection: string) {
    super(`Projection ${projection} is stopped`);
    this.name = 'ProjectionStoppedError';
  }
}

/** Another process moved this projection's checkpoint (a rebuild, or a second runner): re-read and resume. */
export class CheckpointMovedError extends Error {
  constructor(
    readonly projection: string,
    readonly expected: number,
  ) {
    super(`Checkpoint of ${projection} is no longer at ${expected} (version or position changed elsewhere)`);
    this.name = 'CheckpointMovedError';
  }
}

/** The stored projection was built by a newer definition; an older process must not write to it. */
export class ProjectionVersionError extends Error {
  constructor(
    readonly projection: string,
    readonly stored: number,
    readonly defined: number,
  ) {
    super(
      `Projection ${projection} was built by version ${stored} but this process defines version ${defined}; ` +
        'refusing to downgrade it (run `ticketing projections rebuild` with this version to force)',
    );
    this.name = 'ProjectionVersionError';
  }
}

/** `apply` threw for the event at `index` of the batch. */
export class ApplyError extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ApplyError';
  }
}
