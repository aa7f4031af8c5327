import { describe, expect, it } from 'vitest';
import {
  addDays,
  asDayCount,
  CalendarDataMissing,
  CalendarInputError,
  calendarOverridesSchema,
  dueDateBefore,
  loadPortalCalendar,
  PRODUCTION_CALENDAR,
  ProductionCalendar,
  shippedCalendar,
  type DayCount,
  type DayKind,
  type OnDayOff,
} from '../../app/domain/calendar/index.js';
import { expandMonthDays, PUBLIC_HOLIDAYS } from '../../app/domain/calendar/data.js';
import { fromDay, tryToDay, weekdayOfDay } from '../../app/domain/calendar/dates.js';

const cal = shippedCalendar();
const day = (d: string) => tryToDay(d)!;
const plus = (d: string, n: number) => fromDay(day(d) + n);
/** Every date from a to b inclusive. */
const range = (a: string, b: string) => Array.from({ length: day(b) - day(a) + 1 }, (_, i) => plus(a, i));

describe('shipped data', () => {
  it.each([
    [2024, 248],
    [2025, 247],
    [2026, 247],
    [2027, 247],
  ])('%i has %i working days (DOMAIN.md table)', (year, count) => {
    expect(cal.workingDaysInYear(year)).toBe(count);
    expect(PRODUCTION_CALENDAR[year]!.workingDays).toBe(count);
  });

  it('matches the DOMAIN.md check values', () => {
    expect(cal.dayKind('2025-03-10')).toBe('working');
    expect(cal.isWorkingDay('2025-06-13')).toBe(false);
    expect(cal.dayKind('2024-11-02')).toBe('short');
    expect(cal.dayInfo('2024-11-02')).toMatchObject({ reason: 'working-weekend', weekday: 6 });
    expect(cal.addWorkingDays('2025-12-30', 1).date).toBe('2026-01-12');
    expect(cal.addWorkingDays('2026-12-30', 1).date).toBe('2027-01-11');
  });

  it('is consistent: lists hold the right weekdays, holidays are off, short days precede holidays', () => {
    const holidays = new Set(expandMonthDays(PUBLIC_HOLIDAYS));
    for (const [y, spec] of Object.entries(PRODUCTION_CALENDAR)) {
      const dates = (s: string) => expandMonthDays(s).map((md) => `${y}-${md}`);
      for (const d of dates(spec.daysOff)) expect([1, 2, 3, 4, 5], `${d} listed as a weekday off`).toContain(weekdayOfDay(day(d)));
      for (const d of dates(spec.workingWeekends)) expect([0, 6], `${d} listed as a working weekend`).toContain(weekdayOfDay(day(d)));
      for (const d of dates(spec.shortDays)) expect(cal.isWorkingDay(d), `${d} short but not working`).toBe(true);
      for (const d of range(`${y}-01-01`, `${y}-12-31`)) {
        // Art. 112 holidays are never working days in the shipped data.
        if (holidays.has(d.slice(5))) expect(cal.dayKind(d), d).toBe('holiday');
        // Art. 95: the working day right before a holiday is short, and a short day is followed
        // by a holiday before the next working day.
        const next = plus(d, 1);
        if (d !== '2027-12-31' && cal.isWorkingDay(d) && holidays.has(next.slice(5))) expect(cal.dayKind(d), `${d} before a holiday`).toBe('short');
        if (cal.dayKind(d) === 'short') {
          const gap = range(next, plus(cal.nextWorkingDay(next), -1));
          expect(gap.some((g) => holidays.has(g.slice(5))), `${d} short without a holiday after it`).toBe(true);
        }
      }
    }
  });

  it('tells holidays, moved days off and weekends apart', () => {
    expect(cal.dayInfo('2025-01-04')).toMatchObject({ kind: 'holiday', reason: 'public-holiday' }); // Saturday, art. 112
    expect(cal.dayInfo('2025-05-02')).toMatchObject({ kind: 'weekend', reason: 'moved-day-off' });
    expect(cal.dayInfo('2025-05-03')).toMatchObject({ kind: 'weekend', reason: 'weekend' });
    expect(cal.dayInfo('2025-02-23')).toMatchObject({ kind: 'holiday', reason: 'public-holiday' }); // Sunday
    expect(cal.dayInfo('2025-02-24')).toMatchObject({ kind: 'working', reason: 'weekday' }); // moved to 05-08, not to Monday
    expect(cal.dayInfo('2024-12-28')).toMatchObject({ kind: 'working', reason: 'working-weekend' });
    expect(cal.dayInfo('2025-03-07')).toMatchObject({ kind: 'short', reason: 'weekday' });
    expect(cal.dayKind('2026-01-09')).toBe('weekend');
    expect(cal.years()).toEqual([2024, 2025, 2026, 2027]);
  });
});

/**
 * Every holiday block 2024–2027: the last working day before it, the days off, the first working
 * day after it, and what kind of day the one before is.
 */
const BLOCKS: [before: string, first: string, last: string, after: string, beforeKind: DayKind][] = [
  ['2024-02-22', '2024-02-23', '2024-02-25', '2024-02-26', 'short'],
  ['2024-03-07', '2024-03-08', '2024-03-10', '2024-03-11', 'short'],
  ['2024-04-27', '2024-04-28', '2024-05-01', '2024-05-02', 'working'], // working Saturday
  ['2024-05-08', '2024-05-09', '2024-05-12', '2024-05-13', 'short'],
  ['2024-06-11', '2024-06-12', '2024-06-12', '2024-06-13', 'short'],
  ['2024-11-02', '2024-11-03', '2024-11-04', '2024-11-05', 'short'], // short working Saturday
  ['2024-12-28', '2024-12-29', '2025-01-08', '2025-01-09', 'working'], // across the year
  ['2025-02-21', '2025-02-22', '2025-02-23', '2025-02-24', 'working'],
  ['2025-03-07', '2025-03-08', '2025-03-09', '2025-03-10', 'short'],
  ['2025-04-30', '2025-05-01', '2025-05-04', '2025-05-05', 'short'],
  ['2025-05-07', '2025-05-08', '2025-05-11', '2025-05-12', 'working'],
  ['2025-06-11', '2025-06-12', '2025-06-15', '2025-06-16', 'short'],
  ['2025-11-01', '2025-11-02', '2025-11-04', '2025-11-05', 'short'],
  ['2025-12-30', '2025-12-31', '2026-01-11', '2026-01-12', 'working'],
  ['2026-02-20', '2026-02-21', '2026-02-23', '2026-02-24', 'working'],
  ['2026-03-06', '2026-03-07', '2026-03-09', '2026-03-10', 'working'],
  ['2026-04-30', '2026-05-01', '2026-05-03', '2026-05-04', 'short'],
  ['2026-05-08', '2026-05-09', '2026-05-11', '2026-05-12', 'short'],
  ['2026-06-11', '2026-06-12', '2026-06-14', '2026-06-15', 'short'],
  ['2026-11-03', '2026-11-04', '2026-11-04', '2026-11-05', 'short'],
  ['2026-12-30', '2026-12-31', '2027-01-10', '2027-01-11', 'working'],
  ['2027-02-20', '2027-02-21', '2027-02-23', '2027-02-24', 'short'],
  ['2027-03-05', '2027-03-06', '2027-03-08', '2027-03-09', 'working'],
  ['2027-04-30', '2027-05-01', '2027-05-03', '2027-05-04', 'short'],
  ['2027-05-07', '2027-05-08', '2027-05-10', '2027-05-11', 'working'],
  ['2027-06-11', '2027-06-12', '2027-06-14', '2027-06-15', 'short'],
  ['2027-11-03', '2027-11-04', '2027-11-07', '2027-11-08', 'short'],
];

describe('holiday blocks 2024–2027', () => {
  it.each(BLOCKS)('%s | %s…%s off | %s', (before, first, last, after, beforeKind) => {
    expect(cal.dayKind(before)).toBe(beforeKind);
    expect(cal.isWorkingDay(after)).toBe(true);
    expect(cal.addWorkingDays(before, 1).date).toBe(after);
    expect(cal.addWorkingDays(before, 0).date).toBe(before);
    expect(cal.workingDaysBetween(before, after)).toBe(1);
    expect(cal.workingDaysBetween(after, before)).toBe(-1);
    for (const d of range(first, last)) {
      expect(cal.isWorkingDay(d), d).toBe(false);
      expect(cal.nextWorkingDay(d)).toBe(after);
      expect(cal.previousWorkingDay(d)).toBe(before);
      expect(cal.addWorkingDays(d, 0).date).toBe(after);
      expect(cal.addWorkingDays(d, 1).date).toBe(after);
      expect(cal.addWorkingDays(d, 2).date).toBe(cal.nextWorkingDay(after, { inclusive: false }));
      // A calendar-day deadline landing in the block, from 10 days earlier.
      const from = plus(d, -10);
      expect(cal.addCalendarDays(from, 10, 'none').date).toBe(d);
      expect(cal.addCalendarDays(from, 10, 'nextWorking').date).toBe(after);
      expect(cal.addCalendarDays(from, 10, 'previousWorking').date).toBe(before);
    }
    expect(cal.addCalendarDays(plus(after, -3), 3, 'previousWorking').date).toBe(after);
  });

  it('knows the first working day of 2024 but not the days before it', () => {
    for (const d of range('2024-01-01', '2024-01-08')) expect(cal.nextWorkingDay(d)).toBe('2024-01-09');
    expect(() => cal.previousWorkingDay('2024-01-08')).toThrow(CalendarDataMissing);
  });
});

describe('working-day arithmetic', () => {
  it.each([
    ['2025-03-03', 5, '2025-03-10'], // Friday 03-07 short, weekend 08–09
    ['2025-03-07', 1, '2025-03-10'],
    ['2025-04-30', 5, '2025-05-13'],
    ['2025-12-26', 3, '2026-01-12'], // 29, 30, then 12 January
    ['2024-12-27', 1, '2024-12-28'], // working Saturday
    ['2024-12-27', 2, '2025-01-09'],
    ['2025-03-03', 40, '2025-04-28'],
    ['2026-12-31', 1, '2027-01-11'], // from a day off
    ['2027-02-19', 1, '2027-02-20'],
  ] as const)('%s + %i working days = %s', (from, n, expected) => {
    expect(cal.addWorkingDays(from, n).date).toBe(expected);
  });

  it('counts back what it added (from a working day)', () => {
    for (const from of ['2024-04-26', '2024-12-27', '2025-04-29', '2025-12-29', '2026-05-07', '2027-11-02']) {
      for (const n of [0, 1, 2, 7, 30]) expect(cal.workingDaysBetween(from, cal.addWorkingDays(from, n).date), `${from} + ${n}`).toBe(n);
    }
  });

  it('counts (a, b]', () => {
    expect(cal.workingDaysBetween('2025-03-10', '2025-03-10')).toBe(0);
    expect(cal.workingDaysBetween('2025-03-07', '2025-03-14')).toBe(5);
    expect(cal.workingDaysBetween('2025-12-31', '2026-01-12')).toBe(1);
    expect(cal.workingDaysBetween('2024-12-31', '2025-12-31')).toBe(247);
  });
});

describe('calendar-day arithmetic', () => {
  it('adds plain days, across months and years', () => {
    expect(cal.addCalendarDays('2024-02-20', 10).date).toBe('2024-03-01'); // leap year
    expect(cal.addCalendarDays('2025-12-25', 10).date).toBe('2026-01-04');
    expect(cal.addCalendarDays('2025-03-10', 0, 'nextWorking').date).toBe('2025-03-10');
    expect(cal.addCalendarDays('2025-12-25', 10, 'nextWorking').date).toBe('2026-01-12');
    expect(cal.addCalendarDays('2025-12-25', 10, 'previousWorking').date).toBe('2025-12-30');
  });

  it('moves back before the start when the office-work rule says so', () => {
    // Saturday + 1 = Sunday → the previous working day is the Friday before the start.
    expect(cal.addCalendarDays('2025-03-15', 1, 'previousWorking').date).toBe('2025-03-14');
  });

  it('needs no calendar data for an unmoved calendar-day deadline', () => {
    expect(cal.addCalendarDays('2027-12-20', 20).date).toBe('2028-01-09');
    expect(cal.addCalendarDays('2027-12-20', 20).explanation.text).toBe('20 календарных дней от 20.12.2027 → 09.01.2028');
    expect(() => cal.addCalendarDays('2027-12-20', 20, 'nextWorking')).toThrow(CalendarDataMissing);
  });
});

describe('explanations', () => {
  it('a calendar-day deadline moved forward', () => {
    const r = cal.addCalendarDays('2025-03-05', 10, 'nextWorking');
    expect(r.date).toBe('2025-03-17');
    expect(r.explanation.text).toBe('10 календарных дней от 05.03.2025 → 15.03.2025 (суббота, выходной) → перенесено на следующий рабочий день 17.03.2025');
    expect(r.explanation.steps).toEqual([
      { step: 'count', from: '2025-03-05', days: 10, count: 'calendar' },
      { step: 'land', date: '2025-03-15', kind: 'weekend', reason: 'weekend' },
      { step: 'move', direction: 'next', from: '2025-03-15', to: '2025-03-17' },
      { step: 'result', date: '2025-03-17' },
    ]);
  });

  it('a calendar-day deadline moved back, or not moved', () => {
    expect(cal.addCalendarDays('2025-04-21', 10, 'previousWorking').explanation.text).toBe(
      '10 календарных дней от 21.04.2025 → 01.05.2025 (четверг, праздник) → перенесено на предыдущий рабочий день 30.04.2025',
    );
    expect(cal.addCalendarDays('2025-03-05', 10).explanation.text).toBe('10 календарных дней от 05.03.2025 → 15.03.2025 (суббота, выходной), срок не переносится');
    expect(cal.addCalendarDays('2025-03-05', 1).explanation.text).toBe('1 календарный день от 05.03.2025 → 06.03.2025');
  });

  it('working days with the skipped days collapsed', () => {
    const r = cal.addWorkingDays('2025-04-30', 5);
    expect(r.explanation.text).toBe(
      '5 рабочих дней от 30.04.2025 → 13.05.2025; пропущены 01.05 (праздник), 02.05 (перенесённый выходной), 03.05–04.05 (выходные), 08.05 (перенесённый выходной), 09.05 (праздник), 10.05–11.05 (выходные)',
    );
    expect(r.explanation.steps.filter((s) => s.step === 'skip')).toHaveLength(6);
  });

  it('across the new year', () => {
    expect(cal.addWorkingDays('2025-12-30', 1).explanation.text).toBe(
      '1 рабочий день от 30.12.2025 → 12.01.2026; пропущены 31.12 (перенесённый выходной), 01.01–08.01.2026 (праздники), 09.01.2026 (перенесённый выходной), 10.01–11.01.2026 (выходные)',
    );
  });

  it('long counts keep the holidays and only count the weekends', () => {
    expect(cal.addWorkingDays('2025-03-03', 40).explanation.text).toBe('40 рабочих дней от 03.03.2025 → 28.04.2025; пропущены 08.03 (праздник), а также выходные: 15 дней');
  });

  it('zero working days', () => {
    expect(cal.addWorkingDays('2025-03-10', 0).explanation.text).toBe('0 рабочих дней от 10.03.2025 → 10.03.2025 (рабочий день)');
    expect(cal.addWorkingDays('2025-05-01', 0).explanation.text).toBe(
      '0 рабочих дней от 01.05.2025: день нерабочий → ближайший рабочий день 05.05.2025; пропущены 01.05 (праздник), 02.05 (перенесённый выходной), 03.05–04.05 (выходные)',
    );
  });

  it('a shortened working Saturday', () => {
    expect(cal.addCalendarDays('2024-10-31', 2, 'nextWorking').explanation.text).toBe('2 календарных дня от 31.10.2024 → 02.11.2024');
    expect(cal.addCalendarDays('2024-10-30', 4).explanation.text).toBe('4 календарных дня от 30.10.2024 → 03.11.2024 (воскресенье, выходной), срок не переносится');
  });
});

describe('errors', () => {
  it('refuses years without data, naming the year', () => {
    const err = (() => {
      try {
        cal.dayKind('2028-01-10');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CalendarDataMissing);
    expect(err).toMatchObject({ year: 2028, code: 'CALENDAR_DATA_MISSING' });
    expect((err as Error).message).toMatch(/^Нет данных производственного календаря на 2028 год/);
    expect(() => cal.isWorkingDay('2023-12-31')).toThrow(/на 2023 год/);
    expect(() => cal.addWorkingDays('2027-12-30', 1)).toThrow(CalendarDataMissing);
    expect(() => cal.nextWorkingDay('2027-12-31')).toThrow(/на 2028 год/);
    expect(() => cal.workingDaysBetween('2027-12-01', '2028-01-31')).toThrow(CalendarDataMissing);
    expect(() => cal.workingDaysInYear(2028)).toThrow(CalendarDataMissing);
  });

  it('refuses bad input', () => {
    for (const bad of ['2025-02-29', '2025-3-1', '05.03.2025', '', '2025-03-10T00:00:00Z']) expect(() => cal.dayKind(bad), bad).toThrow(CalendarInputError);
    expect(() => cal.addWorkingDays('2025-03-10', -1)).toThrow(CalendarInputError);
    expect(() => cal.addWorkingDays('2025-03-10', 1.5)).toThrow(CalendarInputError);
    expect(() => cal.addCalendarDays('2025-03-10', 1, 'sideways' as OnDayOff)).toThrow(CalendarInputError);
    expect(() => addDays(cal, '2025-03-10', 1, 'weeks' as DayCount)).toThrow(CalendarInputError);
    expect(() => asDayCount('weeks')).toThrow(/Неизвестный способ счёта дней/);
    expect(asDayCount('working')).toBe('working');
  });
});

describe('per-portal overrides', () => {
  // A regional holiday on Monday 2025-03-31, and the moved day off of Friday 2025-06-13 worked.
  const portal = cal.withOverrides({ daysOff: ['2025-03-31'], workingDays: ['2025-06-13'] });

  it('layer on top of the shipped data and win', () => {
    expect(portal.dayInfo('2025-03-31')).toMatchObject({ kind: 'holiday', reason: 'portal-day-off' });
    expect(portal.dayInfo('2025-06-13')).toMatchObject({ kind: 'working', reason: 'portal-working-day' });
    expect(portal.addWorkingDays('2025-03-28', 1).date).toBe('2025-04-01');
    expect(portal.addWorkingDays('2025-06-11', 1).date).toBe('2025-06-13');
    expect(portal.workingDaysInYear(2025)).toBe(247);
    expect(portal.addWorkingDays('2025-03-27', 2).explanation.text).toBe('2 рабочих дня от 27.03.2025 → 01.04.2025; пропущены 29.03–30.03 (выходные), 31.03 (нерабочий день по настройкам портала)');
    expect(cal.isWorkingDay('2025-03-31')).toBe(true); // the shipped calendar is untouched
  });

  it('can make a public holiday a working day', () => {
    const c = cal.withOverrides({ daysOff: [], workingDays: ['2025-01-08'] });
    expect(c.dayKind('2025-01-08')).toBe('working');
    expect(c.addWorkingDays('2024-12-28', 1).date).toBe('2025-01-08');
  });

  it('do not make a year without data usable', () => {
    const c = cal.withOverrides({ daysOff: ['2028-01-03'], workingDays: [] });
    expect(() => c.dayKind('2028-01-04')).toThrow(CalendarDataMissing);
  });

  it('are validated by the schema', () => {
    expect(calendarOverridesSchema.parse({ daysOff: ['2025-03-31', '2025-03-31', '2025-01-20'] })).toEqual({ daysOff: ['2025-01-20', '2025-03-31'], workingDays: [] });
    expect(calendarOverridesSchema.safeParse({ daysOff: ['2025-02-30'], workingDays: [] }).success).toBe(false);
    expect(calendarOverridesSchema.safeParse({ daysOff: ['2025-03-31'], workingDays: ['2025-03-31'] }).error?.issues[0]).toMatchObject({ path: ['workingDays', 0], message: '31.03.2025 уже указан как нерабочий день' });
    expect(calendarOverridesSchema.safeParse({ daysOff: [], holidays: [] }).success).toBe(false);
    expect(() => new ProductionCalendar(undefined, { daysOff: ['2025-03-31'], workingDays: ['2025-03-31'] })).toThrow(CalendarInputError);
  });

  it('are loaded from the portal settings', async () => {
    const settings: Record<string, unknown> = {};
    const store = { getSetting: async <T>(memberId: string, key: string) => settings[`${memberId}/${key}`] as T | undefined };
    expect(await loadPortalCalendar(store, 'p1')).toBe(shippedCalendar());
    settings['p1/calendar'] = { daysOff: ['2025-03-31'], workingDays: [] };
    const c = await loadPortalCalendar(store, 'p1');
    expect(c.dayKind('2025-03-31')).toBe('holiday');
    expect(c.overrides).toEqual({ daysOff: ['2025-03-31'], workingDays: [] });
    expect((await loadPortalCalendar(store, 'p2')).isWorkingDay('2025-03-31')).toBe(true);
    settings['p1/calendar'] = { daysOff: ['31.03.2025'] };
    await expect(loadPortalCalendar(store, 'p1')).rejects.toThrow(/Настройки производственного календаря портала повреждены/);
  });
});

describe('addDays and the deadline scan cut-off', () => {
  it('dispatches on the kind of days', () => {
    expect(addDays(cal, '2025-03-05', 10, 'calendar').date).toBe('2025-03-15');
    expect(addDays(cal, '2025-03-05', 10, 'calendar', 'nextWorking').date).toBe('2025-03-17');
    expect(addDays(cal, '2025-03-05', 10, 'working').date).toBe('2025-03-19'); // 03-08..09 off
    expect(addDays(cal, '2025-03-05', 10, 'working', 'previousWorking').date).toBe('2025-03-19'); // onDayOff is moot
  });

  it.each([
    // today, n, kind, onDayOff, cut-off
    ['2025-05-12', 1, 'working', 'none', '2025-05-11'], // 07.05 … 11.05 + 1 = 12.05
    ['2025-05-10', 1, 'working', 'none', '2025-05-06'], // a day off: nothing started after 06.05 is due yet
    ['2025-05-10', 0, 'working', 'none', '2025-05-07'],
    ['2026-01-12', 10, 'working', 'none', '2025-12-17'],
    ['2026-01-05', 10, 'working', 'none', '2025-12-16'],
    ['2025-05-12', 10, 'calendar', 'nextWorking', '2025-05-02'],
    ['2025-05-11', 10, 'calendar', 'nextWorking', '2025-04-27'],
    ['2025-05-07', 10, 'calendar', 'previousWorking', '2025-05-01'],
    ['2025-05-07', 40, 'calendar', 'none', '2025-03-28'],
    ['2025-12-30', 40, 'calendar', 'previousWorking', '2025-12-02'], // 31.12–11.01 come back to 30.12
  ] as const)('today %s, %i %s days (%s) → started on or before %s', (today, n, kind, onDayOff, cutoff) => {
    const r = dueDateBefore(cal, today, n, kind, onDayOff);
    expect(r.date).toBe(cutoff);
    expect(addDays(cal, cutoff, n, kind, onDayOff).date <= today).toBe(true);
    expect(addDays(cal, plus(cutoff, 1), n, kind, onDayOff).date > today).toBe(true);
  });

  it('explains the cut-off', () => {
    expect(dueDateBefore(cal, '2025-05-12', 1, 'working').explanation.text).toBe(
      'Срок в 1 рабочий день к 12.05.2025 наступил для дат по 11.05.2025 включительно (1 рабочий день от 11.05.2025 → 12.05.2025)',
    );
  });

  it('is exact for every day from April 2024 to November 2027', () => {
    const combos: [DayCount, OnDayOff][] = [['working', 'none'], ['calendar', 'none'], ['calendar', 'nextWorking'], ['calendar', 'previousWorking']];
    for (const today of range('2024-04-01', '2027-11-30')) {
      for (const [kind, onDayOff] of combos) {
        for (const n of [0, 1, 3, 10, 40]) {
          const cutoff = dueDateBefore(cal, today, n, kind, onDayOff).date;
          const due = addDays(cal, cutoff, n, kind, onDayOff).date;
          const next = addDays(cal, plus(cutoff, 1), n, kind, onDayOff).date;
          if (!(due <= today && next > today)) expect.fail(`${today} ${n} ${kind} ${onDayOff}: cut-off ${cutoff} is due ${due}, the day after ${next}`);
        }
      }
    }
  });
});
