/**
 * The Russian production calendar as shipped with the app (DOMAIN.md, "Production calendar").
 *
 * Per year, from the government decree on moving days off (cross-checked against xmlcalendar):
 * - `daysOff`: Monday–Friday dates that are days off — public holidays (Labour Code art. 112)
 *   and weekends moved onto weekdays by the decree. Saturdays and Sundays are off anyway and
 *   are not listed, except through `workingWeekends`.
 * - `workingWeekends`: Saturdays/Sundays that are working days.
 * - `shortDays`: working days one hour shorter (the day before a public holiday, art. 95).
 * - `workingDays`: the decree's count of working days, checked by a unit test.
 *
 * Notation: `MM-DD`, ranges `MM-DD..DD` (within a month) or `MM-DD..MM-DD`, separated by spaces.
 * A new year is one more entry here (and a release); a year with no entry is an error at run time.
 */

export interface CalendarYear {
  workingDays: number;
  daysOff: string;
  workingWeekends: string;
  shortDays: string;
  /** Published ahead of the decree; may change when the decree comes out. */
  provisional?: boolean;
}

export const PRODUCTION_CALENDAR: Readonly<Record<number, CalendarYear>> = {
  2024: {
    workingDays: 248,
    daysOff: '01-01..05 01-08 02-23 03-08 04-29 04-30 05-01 05-09 05-10 06-12 11-04 12-30 12-31',
    workingWeekends: '04-27 11-02 12-28',
    shortDays: '02-22 03-07 05-08 06-11 11-02',
  },
  2025: {
    workingDays: 247,
    daysOff: '01-01..03 01-06..08 05-01 05-02 05-08 05-09 06-12 06-13 11-03 11-04 12-31',
    workingWeekends: '11-01',
    shortDays: '03-07 04-30 06-11 11-01',
  },
  2026: {
    workingDays: 247,
    daysOff: '01-01 01-02 01-05..09 02-23 03-09 05-01 05-11 06-12 11-04 12-31',
    workingWeekends: '',
    shortDays: '04-30 05-08 06-11 11-03',
  },
  2027: {
    workingDays: 247,
    daysOff: '01-01 01-04..08 02-22 02-23 03-08 05-03 05-10 06-14 11-04 11-05 12-31',
    workingWeekends: '02-20',
    shortDays: '02-20 04-30 06-11 11-03',
    provisional: true,
  },
};

/**
 * Non-working public holidays (Labour Code art. 112), every year. They tell a holiday from a
 * moved weekend in explanations; whether a date is off is decided by the year's lists above.
 */
export const PUBLIC_HOLIDAYS = '01-01..08 02-23 03-08 05-01 05-09 06-12 11-04';

const ITEM = /^(\d{2})-(\d{2})(?:\.\.(?:(\d{2})-)?(\d{2}))?$/;

/** Expands `'01-01..05 01-08'` into `['01-01', '01-02', …, '01-05', '01-08']` (month-day keys). */
export function expandMonthDays(spec: string): string[] {
  const out: string[] = [];
  for (const item of spec.split(/\s+/).filter(Boolean)) {
    const m = ITEM.exec(item);
    if (!m) throw new Error(`production calendar data: bad item "${item}"`);
    const month = Number(m[1]);
    const first = Number(m[2]);
    const endMonth = m[3] === undefined ? month : Number(m[3]);
    const last = m[4] === undefined ? first : Number(m[4]);
    // Walk a leap year so that 02-29 is representable; the caller checks dates against real years.
    const start = Date.UTC(2024, month - 1, first);
    const end = Date.UTC(2024, endMonth - 1, last);
    if (end < start || new Date(start).getUTCDate() !== first || new Date(end).getUTCDate() !== last) {
      throw new Error(`production calendar data: bad range "${item}"`);
    }
    for (let t = start; t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(5, 10));
  }
  return out;
}
