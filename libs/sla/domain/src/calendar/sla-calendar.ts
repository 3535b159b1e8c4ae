import Holidays from 'date-holidays';
import { DateTime, IANAZone } from 'luxon';
import { ValidationError } from '@ticketing/kernel';
import { ALWAYS_OPEN_CALENDAR, WEEKDAYS, type SlaCalendarSpec, type Weekday } from '@ticketing/contracts';

export interface SlaCalendar {
  readonly name: string;
  /** Working milliseconds in [from, to); 0 when to <= from. */
  workingMsBetween(from: Date, to: Date): number;
  /** The earliest instant at which `ms` working milliseconds have passed since `from` (ms >= 0; ms = 0 -> `from` itself if working time, else `from`). */
  addWorkingMs(from: Date, ms: number): Date;
  /** Working-day ETA: the end of the working day that is `days` working days after the day of `from` (days >= 1), e.g. recovery's "15–30 working days". */
  addWorkingDays(from: Date, days: number): Date;
  isWorkingTime(at: Date): boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MINUTES_PER_DAY = 24 * 60;
// A calendar whose holidays swallow every working day would make a forward search endless.
const MAX_DAYS_WITHOUT_WORK = 3 * 366;
// Bounds a search for an absurd amount of working time; no SLA target reaches this far.
const MAX_SEARCH_DAYS = 100 * 366;
// An evicted day costs a few luxon calls to recompute; the cap keeps a long-running process's memory flat.
const MAX_CACHED_DAYS = 8192;

/** 24/7: every millisecond counts; name '24/7'. addWorkingDays counts calendar days (from + days*24h). */
export const ALWAYS_OPEN: SlaCalendar = Object.freeze({
  name: ALWAYS_OPEN_CALENDAR,
  workingMsBetween(from: Date, to: Date): number {
    return Math.max(0, instantOf(ALWAYS_OPEN_CALENDAR, to, 'to') - instantOf(ALWAYS_OPEN_CALENDAR, from, 'from'));
  },
  addWorkingMs(from: Date, ms: number): Date {
    return new Date(instantOf(ALWAYS_OPEN_CALENDAR, from, 'from') + durationOf(ALWAYS_OPEN_CALENDAR, ms));
  },
  addWorkingDays(from: Date, days: number): Date {
    return new Date(instantOf(ALWAYS_OPEN_CALENDAR, from, 'from') + dayCountOf(ALWAYS_OPEN_CALENDAR, days) * DAY_MS);
  },
  isWorkingTime(at: Date): boolean {
    instantOf(ALWAYS_OPEN_CALENDAR, at, 'at');
    return true;
  },
});

type Problem = Readonly<{ field: string; message: string }>;

// Minutes since local midnight, [start, end); 1440 stands for 24:00.
type MinuteInterval = readonly [number, number];

type CompiledSpec = Readonly<{
  timeZone: string;
  // Indexed like WEEKDAYS (0 = Monday) and sorted by start, so a day's walk is one pass.
  week: readonly (readonly MinuteInterval[])[];
  country?: string;
  region?: string;
  dates: ReadonlySet<string>;
}>;

/** Every problem of a spec, each a sentence naming the calendar: unknown time zone, no working hours at all, a time that is not HH:mm (00:00-24:00), an interval whose end is not after its start, overlapping intervals on a day, an unknown weekday key, an unknown holiday country/region (date-holidays' getCountries/getStates), a bad extra date. Empty when valid. */
export function calendarProblems(name: string, spec: SlaCalendarSpec): string[] {
  return analyse(name, spec).problems.map((problem) => problem.message);
}

/** A calendar from a valid spec; throws ValidationError (message = the problems joined by '; ') otherwise. */
export function compileCalendar(name: string, spec: SlaCalendarSpec): SlaCalendar {
  const { problems, compiled } = analyse(name, spec);
  if (problems.length > 0 || compiled === undefined) {
    throw new ValidationError(problems.map((problem) => problem.message).join('; '), problems);
  }
  return new BusinessCalendar(name, compiled);
}

const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function analyse(name: string, spec: SlaCalendarSpec): { problems: Problem[]; compiled?: CompiledSpec } {
  const problems: Problem[] = [];
  const calendar = `Calendar "${name}"`;
  // Specs arrive as admin-written JSON: nothing about their shape is taken for granted.
  const raw = (spec ?? {}) as Partial<Record<keyof SlaCalendarSpec, unknown>>;
  const field = (path: string) => `calendars.${name}.${path}`;
  const add = (path: string, message: string) => problems.push({ field: field(path), message: `${calendar} ${message}` });

  const timeZone = raw.timeZone;
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) {
    add('timeZone', `has an unknown time zone ${JSON.stringify(timeZone ?? null)}`);
  }

  const week: MinuteInterval[][] = WEEKDAYS.map(() => []);
  let listedIntervals = 0;
  const hours = raw.workingHours;
  if (hours === null || typeof hours !== 'object' || Array.isArray(hours)) {
    add('workingHours', 'has no working hours at all (workingHours must map weekdays to intervals)');
  } else {
    for (const [key, intervals] of Object.entries(hours as Record<string, unknown>)) {
      const dayIndex = WEEKDAYS.indexOf(key as Weekday);
      if (dayIndex < 0) {
        add(`workingHours.${key}`, `has an unknown weekday ${JSON.stringify(key)} in its working hours (known: ${WEEKDAYS.join(', ')})`);
        continue;
      }
      if (!Array.isArray(intervals)) {
        add(`workingHours.${key}`, `has working hours on ${key} that are not a list of ["HH:mm", "HH:mm"] intervals`);
        continue;
      }
      listedIntervals += intervals.length;
      intervals.forEach((interval: unknown, i) => {
        const path = `workingHours.${key}[${i}]`;
        if (!Array.isArray(interval) || interval.length !== 2) {
          add(path, `has an interval on ${key} that is not a pair of HH:mm times: ${JSON.stringify(interval)}`);
          return;
        }
        const [start, end] = interval.map((time: unknown) => {
          const minutes = minutesOf(time);
          if (minutes === undefined) add(path, `has a time ${JSON.stringify(time)} on ${key} that is not HH:mm between 00:00 and 24:00`);
          return minutes;
        });
        if (start === undefined || end === undefined) return;
        if (end <= start) {
          add(path, `has an interval ${interval[0]}–${interval[1]} on ${key} whose end is not after its start`);
          return;
        }
        week[dayIndex].push([start, end]);
      });
      week[dayIndex].sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < week[dayIndex].length; i++) {
        const [previous, next] = [week[dayIndex][i - 1], week[dayIndex][i]];
        if (next[0] < previous[1]) {
          add(`workingHours.${key}`, `has overlapping intervals ${hhmm(previous)} and ${hhmm(next)} on ${key}`);
        }
      }
    }
    if (listedIntervals === 0) add('workingHours', 'has no working hours at all');
  }

  const holidays = (raw.holidays ?? {}) as Partial<Record<'country' | 'region' | 'dates', unknown>>;
  let country: string | undefined;
  let region: string | undefined;
  if (holidays.country !== undefined) {
    country = matchKey(knownCountries(), holidays.country);
    if (country === undefined) add('holidays.country', `has an unknown holiday country ${JSON.stringify(holidays.country)}`);
  }
  if (holidays.region !== undefined) {
    if (holidays.country === undefined) {
      add('holidays.region', `has a holiday region ${JSON.stringify(holidays.region)} but no holiday country`);
    } else if (country !== undefined) {
      region = matchKey(new Holidays().getStates(country) ?? {}, holidays.region);
      if (region === undefined) add('holidays.region', `has an unknown holiday region ${JSON.stringify(holidays.region)} of country ${country}`);
    }
  }
  const dates = new Set<string>();
  if (holidays.dates !== undefined && !Array.isArray(holidays.dates)) {
    add('holidays.dates', 'has holiday dates that are not a list of YYYY-MM-DD dates');
  } else {
    (holidays.dates ?? []).forEach((date: unknown, i: number) => {
      if (typeof date === 'string' && ISO_DATE.test(date) && DateTime.fromISO(date, { zone: 'UTC' }).isValid) dates.add(date);
      else add(`holidays.dates[${i}]`, `has a holiday date ${JSON.stringify(date)} that is not a valid YYYY-MM-DD date`);
    });
  }

  if (problems.length > 0) return { problems };
  return { problems, compiled: { timeZone: timeZone as string, week, country, region, dates } };
}

function minutesOf(time: unknown): number | undefined {
  const match = typeof time === 'string' ? TIME.exec(time) : null;
  if (match === null) return undefined;
  return match[3] === undefined ? Number(match[1]) * 60 + Number(match[2]) : MINUTES_PER_DAY;
}

const hhmm = ([start, end]: MinuteInterval) => `${clock(start)}–${clock(end)}`;
const clock = (minutes: number) => `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
const pad2 = (n: number) => String(n).padStart(2, '0');

let countries: Readonly<Record<string, string>> | undefined;
const knownCountries = () => (countries ??= new Holidays().getCountries());

// date-holidays accepts codes in any case; its own spelling keeps messages consistent.
function matchKey(known: Readonly<Record<string, string>>, wanted: unknown): string | undefined {
  if (typeof wanted !== 'string') return undefined;
  return Object.keys(known).find((key) => key.toLowerCase() === wanted.toLowerCase());
}

function instantOf(calendar: string, value: Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError(`Calendar "${calendar}": ${name} is not a valid date`, [{ field: name, message: 'not a valid date' }]);
  return ms;
}

function durationOf(calendar: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ValidationError(`Calendar "${calendar}": working time must be a finite number of milliseconds >= 0, got ${ms}`, [
      { field: 'ms', message: 'must be finite and >= 0' },
    ]);
  }
  return ms;
}

function dayCountOf(calendar: string, days: number): number {
  if (!Number.isInteger(days) || days < 1) {
    throw new ValidationError(`Calendar "${calendar}": working days must be a whole number >= 1, got ${days}`, [
      { field: 'days', message: 'must be a whole number >= 1' },
    ]);
  }
  return days;
}

// Local dates are numbered as days since 1970-01-01 so a walk is `day++` and a cache key is a
// number; that is calendar arithmetic only, every mapping between local times and instants is luxon's.
const dayNumber = (year: number, month: number, day: number) => Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
const weekdayIndex = (day: number) => (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Monday like WEEKDAYS.
function dateOf(day: number): { year: number; month: number; day: number; key: string } {
  const date = new Date(day * DAY_MS);
  const [year, month, dayOfMonth] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  return { year, month, day: dayOfMonth, key: `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(dayOfMonth)}` };
}

class BusinessCalendar implements SlaCalendar {
  private readonly zone: IANAZone;
  private readonly holidays: Holidays | undefined;
  private readonly loadedYears = new Set<number>();
  private readonly publicHolidays = new Map<number, Set<string>>();
  // Flat [start0, end0, start1, end1, …] instants per local day: the walks touch no luxon once a day is known.
  private readonly days = new Map<number, readonly number[]>();

  constructor(
    readonly name: string,
    private readonly spec: CompiledSpec,
  ) {
    this.zone = IANAZone.create(spec.timeZone);
    if (spec.country !== undefined) this.holidays = spec.region === undefined ? new Holidays(spec.country) : new Holidays(spec.country, spec.region);
  }

  workingMsBetween(from: Date, to: Date): number {
    const [start, end] = [instantOf(this.name, from, 'from'), instantOf(this.name, to, 'to')];
    if (end <= start) return 0;
    let total = 0;
    for (let day = this.dayOf(start), last = this.dayOf(end); day <= last; day++) {
      const intervals = this.intervalsOf(day);
      for (let i = 0; i < intervals.length; i += 2) {
        const overlap = Math.min(intervals[i + 1], end) - Math.max(intervals[i], start);
        if (overlap > 0) total += overlap;
      }
    }
    return total;
  }

  addWorkingMs(from: Date, ms: number): Date {
    const start = instantOf(this.name, from, 'from');
    let remaining = durationOf(this.name, ms);
    // "Has passed" is already true at `from`, wherever it falls; moving it to the next opening would be a choice the caller did not ask for.
    if (remaining === 0) return new Date(start);
    const found = this.walk(this.dayOf(start), `${ms} ms of working time after ${from.toISOString()}`, (intervals) => {
      for (let i = 0; i < intervals.length; i += 2) {
        const intervalStart = Math.max(intervals[i], start);
        const available = intervals[i + 1] - intervalStart;
        if (available <= 0) continue;
        // `<=`: the target is reached at the very end of an interval, not at the next opening.
        if (remaining <= available) return intervalStart + remaining;
        remaining -= available;
      }
      return undefined;
    });
    return new Date(found);
  }

  addWorkingDays(from: Date, days: number): Date {
    let remaining = dayCountOf(this.name, days);
    const found = this.walk(this.dayOf(instantOf(this.name, from, 'from')) + 1, `${days} working days after ${from.toISOString()}`, (intervals) =>
      intervals.length > 0 && --remaining === 0 ? intervals[intervals.length - 1] : undefined,
    );
    return new Date(found);
  }

  isWorkingTime(at: Date): boolean {
    const instant = instantOf(this.name, at, 'at');
    const intervals = this.intervalsOf(this.dayOf(instant));
    for (let i = 0; i < intervals.length; i += 2) {
      if (intervals[i] <= instant && instant < intervals[i + 1]) return true;
    }
    return false;
  }

  private walk(firstDay: number, wanted: string, visit: (intervals: readonly number[]) => number | undefined): number {
    let idle = 0;
    for (let day = firstDay; day < firstDay + MAX_SEARCH_DAYS; day++) {
      const intervals = this.intervalsOf(day);
      const found = visit(intervals);
      if (found !== undefined) return found;
      idle = intervals.length === 0 ? idle + 1 : 0;
      if (idle > MAX_DAYS_WITHOUT_WORK) {
        throw new ValidationError(`Calendar "${this.name}" has no working time for 3 years; cannot find ${wanted}`, [
          { field: `calendars.${this.name}`, message: 'no working time for 3 years' },
        ]);
      }
    }
    throw new ValidationError(`Calendar "${this.name}" cannot find ${wanted} within 100 years`, [
      { field: `calendars.${this.name}`, message: 'search horizon exceeded' },
    ]);
  }

  private dayOf(instant: number): number {
    const local = DateTime.fromMillis(instant, { zone: this.zone });
    return dayNumber(local.year, local.month, local.day);
  }

  private intervalsOf(day: number): readonly number[] {
    const cached = this.days.get(day);
    if (cached !== undefined) return cached;
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    const computed = this.computeIntervals(day);
    this.days.set(day, computed);
    return computed;
  }

  private computeIntervals(day: number): readonly number[] {
    const local = dateOf(day);
    const minuteIntervals = this.spec.week[weekdayIndex(day)];
    if (minuteIntervals.length === 0 || this.isHoliday(local.year, local.key)) return [];
    const instants: number[] = [];
    let previousEnd = Number.NEGATIVE_INFINITY;
    for (const [startMinute, endMinute] of minuteIntervals) {
      // luxon moves a wall-clock time that a spring-forward skips ahead by the gap, which can push an
      // end past the next interval's start; clamping keeps the day's intervals ordered and disjoint.
      const start = Math.max(this.instantAt(local, startMinute, day), previousEnd);
      const end = this.instantAt(local, endMinute, day);
      if (end > start) {
        instants.push(start, end);
        previousEnd = end;
      }
    }
    return instants;
  }

  // 24:00 is asked of luxon as the next day's midnight, so 23- and 25-hour days come out right.
  private instantAt(local: { year: number; month: number; day: number }, minute: number, day: number): number {
    const date = minute === MINUTES_PER_DAY ? dateOf(day + 1) : local;
    const minuteOfDay = minute % MINUTES_PER_DAY;
    return DateTime.fromObject(
      { year: date.year, month: date.month, day: date.day, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 },
      { zone: this.zone },
    ).toMillis();
  }

  private isHoliday(year: number, key: string): boolean {
    if (this.spec.dates.has(key)) return true;
    if (this.holidays === undefined) return false;
    // A multi-day holiday starting late in the previous year may reach into this one.
    this.loadHolidays(year - 1);
    this.loadHolidays(year);
    return this.publicHolidays.get(year)?.has(key) ?? false;
  }

  private loadHolidays(year: number): void {
    if (this.holidays === undefined || this.loadedYears.has(year)) return;
    this.loadedYears.add(year);
    for (const holiday of this.holidays.getHolidays(year)) {
      if (holiday.type !== 'public') continue;
      const [y, m, d] = holiday.date.slice(0, 10).split('-').map(Number);
      const first = dayNumber(y, m, d);
      // Half-day holidays still close the whole local day; longer ones close every day they touch.
      const length = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / DAY_MS));
      for (let day = first; day < first + length; day++) {
        const date = dateOf(day);
        let set = this.publicHolidays.get(date.year);
        if (set === undefined) this.publicHolidays.set(date.year, (set = new Set()));
        set.add(date.key);
      }
    }
  }
}
