/**
 * Deadlines as the processes configure them: "N days, calendar or working, and what to do when a
 * calendar-day deadline falls on a day off". Pure; dates are `YYYY-MM-DD` in the portal's zone.
 */
import { type ProductionCalendar, checkDays, toDay } from './calendar.js';
import { formatRu, fromDay } from './dates.js';
import { CalendarInputError } from './errors.js';
import { daysPhrase, type DayCount, type DeadlineResult, type OnDayOff } from './explain.js';

export const DAY_COUNTS = ['calendar', 'working'] as const satisfies readonly DayCount[];
export const ON_DAY_OFF = ['none', 'previousWorking', 'nextWorking'] as const satisfies readonly OnDayOff[];

/** Narrows a stored setting (e.g. `settings.process.signingDayKind`, typed `string`). */
export function asDayCount(value: string): DayCount {
  if ((DAY_COUNTS as readonly string[]).includes(value)) return value as DayCount;
  throw new CalendarInputError(`Неизвестный способ счёта дней «${value}»: ожидается calendar или working.`);
}

export function asOnDayOff(value: string): OnDayOff {
  if ((ON_DAY_OFF as readonly string[]).includes(value)) return value as OnDayOff;
  throw new CalendarInputError(`Неизвестное правило переноса срока «${value}»: ожидается none, previousWorking или nextWorking.`);
}

/**
 * The deadline N days after `from`. Working days: the N-th working day after `from` (onDayOff does
 * not apply, the result is always a working day). Calendar days: `from` + N, moved per `onDayOff`.
 */
export function addDays(calendar: ProductionCalendar, from: string, n: number, kind: DayCount, onDayOff: OnDayOff = 'none'): DeadlineResult {
  if (kind === 'working') return calendar.addWorkingDays(from, n);
  if (kind === 'calendar') return calendar.addCalendarDays(from, n, onDayOff);
  throw new CalendarInputError(`Неизвестный способ счёта дней «${String(kind)}».`);
}

/**
 * The deadline scan's cut-off: the latest start date whose deadline (addDays with the same
 * arguments) is on or before `today`. Since the deadline never decreases as the start date
 * grows, every start date ≤ the cut-off is due and every later one is not — so the portal can
 * be asked for "applications dated on or before <cut-off>".
 *
 * - calendar, none: today − N.
 * - calendar, nextWorking: w − N, w = the last working day ≤ today (a deadline moved forward past
 *   the days off after w lands after today).
 * - calendar, previousWorking: v − 1 − N, v = the first working day after today (a deadline on the
 *   days off between today and v is moved back to today or earlier).
 * - working, N ≥ 1: the day before w(N−1), where w(0) = the last working day ≤ today and w(k+1)
 *   the working day before w(k): a start date has reached N working days when at least N
 *   working days lie in (start, today].
 * - working, N = 0: w (a start on a day off after w is due on the next working day, after today).
 */
export function dueDateBefore(calendar: ProductionCalendar, today: string, n: number, kind: DayCount, onDayOff: OnDayOff = 'none'): DeadlineResult {
  const t = toDay(today);
  checkDays(n);
  let cutoff: number;
  if (kind === 'calendar') {
    if (onDayOff === 'none') cutoff = t - n;
    else if (onDayOff === 'nextWorking') cutoff = calendar.previousWorkingAt(t, true) - n;
    else if (onDayOff === 'previousWorking') cutoff = calendar.nextWorkingAt(t, false) - 1 - n;
    else throw new CalendarInputError(`Неизвестное правило переноса срока «${String(onDayOff)}».`);
  } else if (kind === 'working') {
    let w = calendar.previousWorkingAt(t, true);
    if (n === 0) cutoff = w;
    else {
      for (let k = 1; k < n; k++) w = calendar.previousWorkingAt(w, false);
      cutoff = w - 1;
    }
  } else {
    throw new CalendarInputError(`Неизвестный способ счёта дней «${String(kind)}».`);
  }
  const date = fromDay(cutoff);
  // The cut-off's own deadline, as a check a person can follow. It needs calendar data around the
  // cut-off, which the lookups above needed anyway (except for calendar/none, which needs none).
  const check = addDays(calendar, date, n, kind, onDayOff);
  return {
    date,
    explanation: {
      text: `Срок в ${daysPhrase(n, kind)} к ${formatRu(today)} наступил для дат по ${formatRu(date)} включительно (${check.explanation.text})`,
      steps: [{ step: 'cutoff', today, date }, ...check.explanation.steps],
    },
  };
}
