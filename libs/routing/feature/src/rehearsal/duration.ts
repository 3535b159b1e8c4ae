import { Duration } from 'luxon';

/** Milliseconds of an ISO 8601 duration as SLA records them (`PT5M`), or null when it is none. */
export function parseDurationMs(iso: string): number | null {
  const duration = Duration.fromISO(iso);
  return duration.isValid ? duration.as('milliseconds') : null;
}
