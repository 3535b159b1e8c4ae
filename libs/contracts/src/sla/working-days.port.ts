/**
 * Working-day ETAs from the SLA policy's business calendars (e.g. a wrong-network recovery's 15–30
 * working days). The SLA context provides it globally where it is composed; others inject it
 * optionally (a process without SLA counts calendar days or says it cannot tell).
 */
export interface WorkingDays {
  /**
   * The end of the working day `days` working days after `from`, in the named calendar of the
   * policy in force (the built-in `24/7` counts calendar days). Throws a ValidationError for an
   * unknown calendar or a days value that is not a whole number of at least 1.
   */
  addWorkingDays(from: Date, days: number, calendar?: string): Promise<Date>;
}

export const WORKING_DAYS = Symbol.for('ticketing.WorkingDays');
