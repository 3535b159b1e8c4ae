import fc from 'fast-check';
import { DateTime } from 'luxon';
import { ValidationError } from '@ticketing/kernel';
import type { SlaCalendarSpec } from '@ticketing/contracts';
import { ALWAYS_OPEN, calendarProblems, compileCalendar, type SlaCalendar } from './sla-calendar';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A wall-clock time in a zone, as the instant the calendar receives. */
const wall = (zone: string) => (iso: string) => {
  const local = DateTime.fromISO(iso, { zone });
  if (!local.isValid) throw new Error(`bad test time ${iso}`);
  return local.toJSDate();
};
const berlin = wall('Europe/Berlin');
const newYork = wall('America/New_York');
const tokyo = wall('Asia/Tokyo');
const utc = (iso: string) => new Date(iso);

const NINE_TO_SIX: SlaCalendarSpec['workingHours'] = {
  mon: [['09:00', '18:00']],
  tue: [['09:00', '18:00']],
  wed: [['09:00', '18:00']],
  thu: [['09:00', '18:00']],
  fri: [['09:00', '18:00']],
};
const ALL_DAY: SlaCalendarSpec['workingHours'] = Object.fromEntries(
  (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => [day, [['00:00', '24:00']]]),
);

const berlinOffice = compileCalendar('berlin-office', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX });
const berlinWithHolidays = compileCalendar('berlin-holidays', {
  timeZone: 'Europe/Berlin',
  workingHours: NINE_TO_SIX,
  holidays: { country: 'DE', dates: ['2026-12-28'] },
});

describe('ALWAYS_OPEN', () => {
  it('is named 24/7 and counts every millisecond', () => {
    expect(ALWAYS_OPEN.name).toBe('24/7');
    expect(ALWAYS_OPEN.workingMsBetween(utc('2026-03-28T12:00:00Z'), utc('2026-03-30T12:00:00Z'))).toBe(2 * DAY);
    expect(ALWAYS_OPEN.addWorkingMs(utc('2026-03-28T12:00:00Z'), 90 * 60_000)).toEqual(utc('2026-03-28T13:30:00Z'));
    expect(ALWAYS_OPEN.isWorkingTime(utc('2026-12-25T03:00:00Z'))).toBe(true);
  });

  it('gives 0 for an empty or reversed range and counts calendar days for addWorkingDays', () => {
    expect(ALWAYS_OPEN.workingMsBetween(utc('2026-01-02T00:00:00Z'), utc('2026-01-01T00:00:00Z'))).toBe(0);
    expect(ALWAYS_OPEN.addWorkingDays(utc('2026-03-28T12:00:00Z'), 15)).toEqual(utc('2026-04-12T12:00:00Z'));
  });

  it('rejects a negative duration and a zero day count', () => {
    expect(() => ALWAYS_OPEN.addWorkingMs(utc('2026-01-01T00:00:00Z'), -1)).toThrow(ValidationError);
    expect(() => ALWAYS_OPEN.addWorkingDays(utc('2026-01-01T00:00:00Z'), 0)).toThrow(ValidationError);
  });
});

describe('a Mon–Fri 09:00–18:00 Europe/Berlin calendar', () => {
  it('carries Friday 17:00 + 2 h over the weekend to Monday 10:00 local', () => {
    expect(berlinOffice.addWorkingMs(berlin('2026-01-09T17:00'), 2 * HOUR)).toEqual(berlin('2026-01-12T10:00'));
  });

  it('counts no time over a weekend', () => {
    expect(berlinOffice.workingMsBetween(berlin('2026-01-09T17:00'), berlin('2026-01-12T10:00'))).toBe(2 * HOUR);
    expect(berlinOffice.workingMsBetween(berlin('2026-01-10T00:00'), berlin('2026-01-12T00:00'))).toBe(0);
    expect(berlinOffice.workingMsBetween(berlin('2026-01-05T00:00'), berlin('2026-01-12T00:00'))).toBe(5 * 9 * HOUR);
  });

  it('starts counting at the next opening when it starts outside working hours', () => {
    expect(berlinOffice.addWorkingMs(berlin('2026-01-10T11:00'), HOUR)).toEqual(berlin('2026-01-12T10:00'));
    expect(berlinOffice.addWorkingMs(berlin('2026-01-12T07:30'), HOUR)).toEqual(berlin('2026-01-12T10:00'));
  });

  it('reaches a target at the very end of the day rather than at the next opening', () => {
    expect(berlinOffice.addWorkingMs(berlin('2026-01-09T17:00'), HOUR)).toEqual(berlin('2026-01-09T18:00'));
  });

  it('returns `from` itself for 0 ms, inside or outside working hours', () => {
    expect(berlinOffice.addWorkingMs(berlin('2026-01-10T11:00'), 0)).toEqual(berlin('2026-01-10T11:00'));
    expect(berlinOffice.addWorkingMs(berlin('2026-01-12T11:00'), 0)).toEqual(berlin('2026-01-12T11:00'));
  });

  it('knows working time to the millisecond', () => {
    expect(berlinOffice.isWorkingTime(berlin('2026-01-12T08:59:59.999'))).toBe(false);
    expect(berlinOffice.isWorkingTime(berlin('2026-01-12T09:00'))).toBe(true);
    expect(berlinOffice.isWorkingTime(berlin('2026-01-12T17:59:59.999'))).toBe(true);
    expect(berlinOffice.isWorkingTime(berlin('2026-01-12T18:00'))).toBe(false);
    expect(berlinOffice.isWorkingTime(berlin('2026-01-10T12:00'))).toBe(false);
  });

  it('rejects a negative or non-finite duration', () => {
    expect(() => berlinOffice.addWorkingMs(berlin('2026-01-12T09:00'), -1)).toThrow(ValidationError);
    expect(() => berlinOffice.addWorkingMs(berlin('2026-01-12T09:00'), Number.POSITIVE_INFINITY)).toThrow(ValidationError);
  });
});

describe('holidays', () => {
  it('skips German public holidays (25 and 26 Dec) and a custom date', () => {
    // Thu 24 Dec is only a bank holiday; Fri 25 and Sat 26 are public, Mon 28 is the custom date.
    expect(berlinWithHolidays.addWorkingMs(berlin('2026-12-24T17:00'), 2 * HOUR)).toEqual(berlin('2026-12-29T10:00'));
    expect(berlinWithHolidays.isWorkingTime(berlin('2026-12-25T10:00'))).toBe(false);
    expect(berlinWithHolidays.isWorkingTime(berlin('2026-12-28T10:00'))).toBe(false);
    expect(berlinWithHolidays.isWorkingTime(berlin('2026-12-24T10:00'))).toBe(true);
    expect(berlinWithHolidays.workingMsBetween(berlin('2026-12-21T00:00'), berlin('2027-01-04T00:00'))).toBe(7 * 9 * HOUR);
  });

  it('applies a region’s own holidays', () => {
    const bavaria = compileCalendar('munich', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX, holidays: { country: 'DE', region: 'BY' } });
    // Epiphany (Tue 6 Jan 2026) is public in Bavaria but not in Germany as a whole.
    expect(bavaria.isWorkingTime(berlin('2026-01-06T10:00'))).toBe(false);
    expect(berlinWithHolidays.isWorkingTime(berlin('2026-01-06T10:00'))).toBe(true);
  });

  it('closes every day of a multi-day holiday, also the days that fall into the next year', () => {
    const mbabane = wall('Africa/Mbabane');
    const eswatini = compileCalendar('mbabane', { timeZone: 'Africa/Mbabane', workingHours: { tue: [['09:00', '13:00']], sat: [['09:00', '13:00']] }, holidays: { country: 'SZ' } });
    // date-holidays has Incwala for six days from Mon 28 Dec 2026. 2027 is asked first, before 2026's holidays are loaded.
    expect(eswatini.isWorkingTime(mbabane('2027-01-02T10:00'))).toBe(false);
    expect(eswatini.isWorkingTime(mbabane('2027-01-09T10:00'))).toBe(true);
    expect(eswatini.isWorkingTime(mbabane('2026-12-29T10:00'))).toBe(false);
    expect(eswatini.isWorkingTime(mbabane('2026-12-22T10:00'))).toBe(true);
  });

  it('gives up with a ValidationError when holidays leave no working time for years', () => {
    const mondays = Array.from({ length: 4 * 53 }, (_, week) => DateTime.fromISO('2026-01-05').plus({ weeks: week }).toISODate() as string);
    const never = compileCalendar('never', { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00', '18:00']] }, holidays: { dates: mondays } });
    expect(() => never.addWorkingMs(berlin('2026-01-01T00:00'), HOUR)).toThrow(ValidationError);
    expect(() => never.addWorkingDays(berlin('2026-01-01T00:00'), 1)).toThrow(/no working time/);
    expect(never.workingMsBetween(berlin('2026-01-01T00:00'), berlin('2027-01-01T00:00'))).toBe(0);
  });
});

describe('daylight saving time (Europe/Berlin)', () => {
  const allDay = compileCalendar('berlin-24h', { timeZone: 'Europe/Berlin', workingHours: ALL_DAY });
  const sundayNight = compileCalendar('berlin-sunday-night', { timeZone: 'Europe/Berlin', workingHours: { sun: [['01:00', '04:00']] } });

  it('gives the spring-forward day 23 hours and the fall-back day 25', () => {
    expect(allDay.workingMsBetween(berlin('2026-03-29T00:00'), berlin('2026-03-30T00:00'))).toBe(23 * HOUR);
    expect(allDay.workingMsBetween(berlin('2026-10-25T00:00'), berlin('2026-10-26T00:00'))).toBe(25 * HOUR);
    expect(allDay.addWorkingMs(berlin('2026-03-29T00:00'), 23 * HOUR)).toEqual(berlin('2026-03-30T00:00'));
  });

  it('measures wall-clock intervals across the shift', () => {
    expect(sundayNight.workingMsBetween(berlin('2026-03-29T00:00'), berlin('2026-03-30T00:00'))).toBe(2 * HOUR);
    expect(sundayNight.workingMsBetween(berlin('2026-10-25T00:00'), berlin('2026-10-26T00:00'))).toBe(4 * HOUR);
    expect(sundayNight.addWorkingMs(berlin('2026-03-29T00:00'), 2 * HOUR)).toEqual(utc('2026-03-29T02:00:00Z'));
  });

  it('never counts an instant twice when an interval ends inside the skipped hour', () => {
    // luxon reads the nonexistent 02:30 as 03:30 CEST, past the next interval's 03:00; 01:00 CET to 04:00 CEST is 2 h.
    const split = compileCalendar('split', { timeZone: 'Europe/Berlin', workingHours: { sun: [['01:00', '02:30'], ['03:00', '04:00']] } });
    expect(split.workingMsBetween(berlin('2026-03-29T00:00'), berlin('2026-03-30T00:00'))).toBe(2 * HOUR);
  });

  it('opens Monday at 09:00 local after the shift', () => {
    expect(berlinOffice.addWorkingMs(berlin('2026-03-27T17:00'), 2 * HOUR)).toEqual(utc('2026-03-30T08:00:00Z'));
    expect(berlinOffice.addWorkingMs(berlin('2026-10-23T17:00'), 2 * HOUR)).toEqual(utc('2026-10-26T09:00:00Z'));
  });
});

describe('two intervals per day (lunch break)', () => {
  const withLunch = compileCalendar('lunch', {
    timeZone: 'Europe/Berlin',
    workingHours: { mon: [['13:00', '17:00'], ['09:00', '12:00']], tue: [['09:00', '12:00'], ['13:00', '17:00']] },
  });

  it('skips the break', () => {
    expect(withLunch.addWorkingMs(berlin('2026-01-12T11:00'), 2 * HOUR)).toEqual(berlin('2026-01-12T14:00'));
    expect(withLunch.workingMsBetween(berlin('2026-01-12T09:00'), berlin('2026-01-12T17:00'))).toBe(7 * HOUR);
    expect(withLunch.isWorkingTime(berlin('2026-01-12T12:30'))).toBe(false);
    expect(withLunch.isWorkingTime(berlin('2026-01-12T13:00'))).toBe(true);
  });

  it('moves to the next day’s first interval after the last one', () => {
    expect(withLunch.addWorkingMs(berlin('2026-01-12T16:00'), 2 * HOUR)).toEqual(berlin('2026-01-13T10:00'));
  });

  it('ends a working day with its last interval', () => {
    expect(withLunch.addWorkingDays(berlin('2026-01-12T10:00'), 1)).toEqual(berlin('2026-01-13T17:00'));
  });
});

describe('other time zones', () => {
  it('America/New_York: Thanksgiving and the US shift to summer time', () => {
    const nyc = compileCalendar('nyc', {
      timeZone: 'America/New_York',
      workingHours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
      holidays: { country: 'US' },
    });
    expect(nyc.addWorkingMs(newYork('2026-11-25T16:00'), 2 * HOUR)).toEqual(utc('2026-11-27T15:00:00Z'));
    // The US moves its clocks on 8 March, three weeks before Europe.
    expect(nyc.addWorkingMs(newYork('2026-03-06T16:00'), 2 * HOUR)).toEqual(utc('2026-03-09T14:00:00Z'));
  });

  it('Asia/Tokyo: local days ahead of UTC and Golden Week', () => {
    const tokyoOffice = compileCalendar('tokyo', { timeZone: 'Asia/Tokyo', workingHours: NINE_TO_SIX, holidays: { country: 'JP' } });
    // 09:30 in Tokyo is 00:30 in UTC.
    expect(tokyoOffice.isWorkingTime(utc('2026-06-08T00:30:00Z'))).toBe(true);
    expect(tokyoOffice.isWorkingTime(utc('2026-06-05T09:00:00Z'))).toBe(false);
    expect(tokyoOffice.addWorkingMs(tokyo('2026-04-30T17:00'), 2 * HOUR)).toEqual(utc('2026-05-01T01:00:00Z'));
    expect(tokyoOffice.addWorkingMs(tokyo('2026-05-01T17:00'), 2 * HOUR)).toEqual(tokyo('2026-05-07T10:00'));
  });
});

describe('addWorkingDays', () => {
  it('ends 15 working days after a Wednesday at the close of that day', () => {
    expect(berlinOffice.addWorkingDays(berlin('2026-01-07T11:00'), 15)).toEqual(berlin('2026-01-28T18:00'));
    expect(berlinOffice.addWorkingDays(berlin('2026-01-07T07:00'), 1)).toEqual(berlin('2026-01-08T18:00'));
  });

  it('does not count holidays and crosses into the next year', () => {
    // Christmas Day, New Year's Day and the custom 28 Dec are skipped: the 15th working day is Mon 11 Jan 2027.
    expect(berlinWithHolidays.addWorkingDays(berlin('2026-12-16T10:00'), 15)).toEqual(berlin('2027-01-11T18:00'));
  });

  it('counts from the day of `from` even on a weekend and rejects a non-positive count', () => {
    expect(berlinOffice.addWorkingDays(berlin('2026-01-10T12:00'), 1)).toEqual(berlin('2026-01-12T18:00'));
    expect(() => berlinOffice.addWorkingDays(berlin('2026-01-10T12:00'), 0)).toThrow(ValidationError);
    expect(() => berlinOffice.addWorkingDays(berlin('2026-01-10T12:00'), 1.5)).toThrow(ValidationError);
  });
});

describe('workingMsBetween and addWorkingMs are inverses (property)', () => {
  const fresh = process.env['FRESH_SEEDS'] !== undefined;
  const seed = fresh ? Math.floor(Math.random() * 2 ** 31) : 20261207;
  if (fresh) console.log(`sla-calendar property seed: ${seed}`);

  const calendars: SlaCalendar[] = [
    berlinWithHolidays,
    compileCalendar('nyc-lunch', {
      timeZone: 'America/New_York',
      workingHours: { mon: [['08:00', '12:00'], ['12:30', '17:00']], wed: [['08:00', '24:00']], sat: [['00:00', '03:30']] },
      holidays: { country: 'US', dates: ['2026-07-06'] },
    }),
    compileCalendar('berlin-sunday-night', { timeZone: 'Europe/Berlin', workingHours: { sun: [['01:00', '04:00']], tue: [['02:00', '03:00']] } }),
    ALWAYS_OPEN,
  ];
  const calendar = fc.constantFrom(...calendars);
  const instant = fc.integer({ min: Date.parse('2025-10-01T00:00:00Z'), max: Date.parse('2027-04-01T00:00:00Z') }).map((ms) => new Date(ms));
  // Up to P30D of business time.
  const duration = fc.oneof(fc.integer({ min: 0, max: 30 * DAY }), fc.integer({ min: 0, max: 2 * HOUR }));

  it('workingMsBetween(from, addWorkingMs(from, ms)) === ms, and that is the earliest such instant', () => {
    fc.assert(
      fc.property(calendar, instant, duration, (cal, from, ms) => {
        const due = cal.addWorkingMs(from, ms);
        expect(cal.workingMsBetween(from, due)).toBe(ms);
        if (ms > 0) expect(cal.workingMsBetween(from, new Date(due.getTime() - 1))).toBe(ms - 1);
      }),
      { seed },
    );
  });

  it('addWorkingMs(from, workingMsBetween(from, to)) is never after `to`, and isWorkingTime agrees with counting', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: 0, max: 60 * DAY }), (cal, from, span) => {
        const to = new Date(from.getTime() + span);
        const worked = cal.workingMsBetween(from, to);
        const reached = cal.addWorkingMs(from, worked);
        expect(reached.getTime()).toBeLessThanOrEqual(to.getTime());
        expect(cal.workingMsBetween(from, reached)).toBe(worked);
        expect(cal.isWorkingTime(to)).toBe(cal.workingMsBetween(to, new Date(to.getTime() + 1)) === 1);
      }),
      { seed },
    );
  });
});

describe('calendarProblems and compileCalendar', () => {
  const problemsOf = (spec: unknown) => calendarProblems('support', spec as SlaCalendarSpec);

  it('accepts a valid spec, 24:00 as an end and touching intervals', () => {
    expect(problemsOf({ timeZone: 'Europe/Berlin', workingHours: { mon: [['00:00', '12:00'], ['12:00', '24:00']] }, holidays: { country: 'DE', region: 'BY', dates: ['2026-12-31'] } })).toEqual([]);
  });

  it.each([
    ['an unknown time zone', { timeZone: 'Mars/Base', workingHours: NINE_TO_SIX }, 'Calendar "support" has an unknown time zone "Mars/Base"'],
    ['no working hours at all', { timeZone: 'Europe/Berlin', workingHours: {} }, 'Calendar "support" has no working hours at all'],
    ['a time that is not HH:mm', { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00', '25:00']] } }, 'Calendar "support" has a time "25:00" on mon that is not HH:mm between 00:00 and 24:00'],
    ['a sloppy time', { timeZone: 'Europe/Berlin', workingHours: { mon: [['9:00', '18:00']] } }, 'Calendar "support" has a time "9:00" on mon that is not HH:mm between 00:00 and 24:00'],
    ['an end before its start', { timeZone: 'Europe/Berlin', workingHours: { tue: [['18:00', '09:00']] } }, 'Calendar "support" has an interval 18:00–09:00 on tue whose end is not after its start'],
    ['an empty interval', { timeZone: 'Europe/Berlin', workingHours: { tue: [['09:00', '09:00']] } }, 'Calendar "support" has an interval 09:00–09:00 on tue whose end is not after its start'],
    ['overlapping intervals', { timeZone: 'Europe/Berlin', workingHours: { wed: [['12:00', '18:00'], ['09:00', '13:00']] } }, 'Calendar "support" has overlapping intervals 09:00–13:00 and 12:00–18:00 on wed'],
    ['an unknown weekday', { timeZone: 'Europe/Berlin', workingHours: { ...NINE_TO_SIX, monday: [['09:00', '18:00']] } }, 'Calendar "support" has an unknown weekday "monday" in its working hours (known: mon, tue, wed, thu, fri, sat, sun)'],
    ['an interval that is not a pair', { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00']] } }, 'Calendar "support" has an interval on mon that is not a pair of HH:mm times: ["09:00"]'],
    ['an unknown country', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX, holidays: { country: 'XX' } }, 'Calendar "support" has an unknown holiday country "XX"'],
    ['an unknown region', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX, holidays: { country: 'DE', region: 'ZZ' } }, 'Calendar "support" has an unknown holiday region "ZZ" of country DE'],
    ['a region without a country', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX, holidays: { region: 'BY' } }, 'Calendar "support" has a holiday region "BY" but no holiday country'],
    ['a bad date', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX, holidays: { dates: ['2026-12-24', '2026-13-01'] } }, 'Calendar "support" has a holiday date "2026-13-01" that is not a valid YYYY-MM-DD date'],
    ['a date that does not exist', { timeZone: 'Europe/Berlin', workingHours: NINE_TO_SIX, holidays: { dates: ['2026-02-30'] } }, 'Calendar "support" has a holiday date "2026-02-30" that is not a valid YYYY-MM-DD date'],
  ])('names %s', (_, spec, problem) => {
    expect(problemsOf(spec)).toEqual([problem]);
  });

  it('lists every problem at once and compileCalendar throws them as one ValidationError', () => {
    const spec = { timeZone: 'Mars/Base', workingHours: {}, holidays: { country: 'XX', dates: ['2026-13-01'] } } as SlaCalendarSpec;
    expect(calendarProblems('support', spec)).toHaveLength(4);
    let thrown: unknown;
    try {
      compileCalendar('support', spec);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).message).toBe(calendarProblems('support', spec).join('; '));
    expect((thrown as ValidationError).errors.map((error) => error.field)).toEqual([
      'calendars.support.timeZone',
      'calendars.support.workingHours',
      'calendars.support.holidays.country',
      'calendars.support.holidays.dates[0]',
    ]);
  });
});
