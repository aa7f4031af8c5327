/**
 * The production calendar: shipped day lists (data.ts) plus per-portal overrides, and deadline
 * arithmetic on plain `YYYY-MM-DD` dates (days on the portal's calendar, computed in UTC).
 *
 * Counting rules (civil-law style, Civil Code art. 191): the start day itself is never counted.
 * - addWorkingDays(d, n), n ≥ 1: the n-th working day strictly after d. n = 0: d itself when it
 *   is a working day, else the next working day.
 * - addCalendarDays(d, n, onDayOff): d + n; if that is a day off, keep it ('none'), or move it to
 *   the previous working day (office-work rule) or the next one (civil-law rule).
 * - workingDaysBetween(a, b): working days in (a, b]; negative when b < a.
 *   For every n: workingDaysBetween(d, addWorkingDays(d, n).date) === n when d is a working day.
 *
 * A date in a year without data throws CalendarDataMissing, never a guess. The one exception is
 * addCalendarDays(…, 'none'), which needs no calendar at all (its explanation just omits the kind
 * of day when the year is unknown).
 */
import { PRODUCTION_CALENDAR, PUBLIC_HOLIDAYS, expandMonthDays, type CalendarYear } from './data.js';
import { formatRu, fromDay, isWeekendDay, tryToDay, WEEKDAY_NAMES_RU, weekdayOfDay, yearOfDay } from './dates.js';
import { CalendarDataMissing, CalendarInputError } from './errors.js';
import { collapseSkipped, dayWithLabel, daysPhrase, describeSkipped, type DayKind, type DayReason, type DeadlineResult, type ExplanationStep, type OnDayOff } from './explain.js';

export type { DayKind, DayReason, DeadlineResult, Explanation, ExplanationStep, OnDayOff, DayCount } from './explain.js';

/** Per-portal changes on top of the shipped data; they win over it. */
export interface CalendarOverrides {
  /** Extra days off (regional holidays, a day the organisation does not work). */
  daysOff: readonly string[];
  /** Extra working days. */
  workingDays: readonly string[];
}

export interface DayInfo {
  date: string;
  kind: DayKind;
  reason: DayReason;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

/** Largest day count accepted (ten years; far beyond any shipped data anyway). */
export const MAX_DAYS = 3660;

interface YearSets {
  off: Set<number>;
  workingWeekends: Set<number>;
  short: Set<number>;
}

const PUBLIC_HOLIDAY_KEYS = new Set(expandMonthDays(PUBLIC_HOLIDAYS));

export class ProductionCalendar {
  readonly overrides: CalendarOverrides;
  private readonly yearSets = new Map<number, YearSets>();
  private readonly extraOff: Set<number>;
  private readonly extraWorking: Set<number>;

  constructor(
    private readonly data: Readonly<Record<number, CalendarYear>> = PRODUCTION_CALENDAR,
    overrides: CalendarOverrides = { daysOff: [], workingDays: [] },
  ) {
    for (const [y, spec] of Object.entries(data)) {
      const year = Number(y);
      const days = (s: string) =>
        new Set(
          expandMonthDays(s).map((md) => {
            const day = tryToDay(`${year}-${md}`);
            if (day === undefined) throw new Error(`production calendar data: ${year}-${md} is not a date`);
            return day;
          }),
        );
      this.yearSets.set(year, { off: days(spec.daysOff), workingWeekends: days(spec.workingWeekends), short: days(spec.shortDays) });
    }
    this.extraOff = new Set(overrides.daysOff.map((d) => toDay(d)));
    this.extraWorking = new Set(overrides.workingDays.map((d) => toDay(d)));
    const both = [...this.extraOff].filter((d) => this.extraWorking.has(d));
    if (both.length) throw new CalendarInputError(`День ${formatRu(fromDay(both[0]!))} указан и как нерабочий, и как рабочий.`);
    this.overrides = { daysOff: [...overrides.daysOff].sort(), workingDays: [...overrides.workingDays].sort() };
  }

  /** The same day lists with other overrides on top (replacing this calendar's overrides). */
  withOverrides(overrides: CalendarOverrides): ProductionCalendar {
    return new ProductionCalendar(this.data, overrides);
  }

  /** Years with data, ascending. */
  years(): number[] {
    return [...this.yearSets.keys()].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.yearSets.has(year);
  }

  dayInfo(date: string): DayInfo {
    return this.infoAt(toDay(date));
  }

  dayKind(date: string): DayKind {
    return this.dayInfo(date).kind;
  }

  /** Working or shortened working day. */
  isWorkingDay(date: string): boolean {
    return isWorking(this.dayInfo(date).kind);
  }

  /** The first working day on or after `date` (`inclusive`, the default) or strictly after it. */
  nextWorkingDay(date: string, opts: { inclusive?: boolean } = {}): string {
    return fromDay(this.nextWorkingAt(toDay(date), opts.inclusive ?? true));
  }

  /** The last working day on or before `date` (`inclusive`, the default) or strictly before it. */
  previousWorkingDay(date: string, opts: { inclusive?: boolean } = {}): string {
    return fromDay(this.previousWorkingAt(toDay(date), opts.inclusive ?? true));
  }

  /** Working days in the year (throws CalendarDataMissing for a year without data). */
  workingDaysInYear(year: number): number {
    const first = toDay(`${year}-01-01`);
    return this.workingDaysBetween(fromDay(first - 1), `${year}-12-31`);
  }

  /** Working days in (a, b]: a itself is not counted, b is. Negative when b is before a. */
  workingDaysBetween(a: string, b: string): number {
    const da = toDay(a);
    const db = toDay(b);
    if (db < da) return -this.workingDaysBetween(b, a);
    let n = 0;
    for (let d = da + 1; d <= db; d++) if (isWorking(this.infoAt(d).kind)) n++;
    return n;
  }

  /**
   * The n-th working day after `from` (the start day is not counted). n = 0 gives `from` when it
   * is a working day, else the next working day.
   */
  addWorkingDays(from: string, n: number): DeadlineResult {
    const start = toDay(from);
    checkDays(n);
    const skipped: { day: number; reason: DayReason }[] = [];
    let d: number;
    if (n === 0) {
      d = start;
      for (let info = this.infoAt(d); !isWorking(info.kind); info = this.infoAt(++d)) skipped.push({ day: d, reason: info.reason });
    } else {
      d = start;
      for (let counted = 0; counted < n; ) {
        const info = this.infoAt(++d);
        if (isWorking(info.kind)) counted++;
        else skipped.push({ day: d, reason: info.reason });
      }
    }
    const date = fromDay(d);
    const runs = collapseSkipped(skipped);
    const steps: ExplanationStep[] = [{ step: 'count', from, days: n, count: 'working' }, ...runs, { step: 'result', date }];
    const head = `${daysPhrase(n, 'working')} от ${formatRu(from)}`;
    const skippedText = runs.length ? `; пропущены ${describeSkipped(runs, yearOfDay(start))}` : '';
    let text: string;
    if (n === 0) text = d === start ? `${head} → ${formatRu(date)} (рабочий день)` : `${head}: день нерабочий → ближайший рабочий день ${formatRu(date)}${skippedText}`;
    else text = `${head} → ${formatRu(date)}${skippedText}`;
    return { date, explanation: { text, steps } };
  }

  /**
   * `from` + n calendar days. When that lands on a day off: 'none' keeps it, 'previousWorking'
   * moves it back to the last working day before it (office-work rule; the result can then be
   * earlier than `from` + n, even equal to `from`), 'nextWorking' forward (civil-law rule).
   */
  addCalendarDays(from: string, n: number, onDayOff: OnDayOff = 'none'): DeadlineResult {
    const start = toDay(from);
    checkDays(n);
    if (!['none', 'previousWorking', 'nextWorking'].includes(onDayOff)) throw new CalendarInputError(`Неизвестное правило переноса срока «${String(onDayOff)}».`);
    const target = start + n;
    const targetDate = fromDay(target);
    const head = `${daysPhrase(n, 'calendar')} от ${formatRu(from)} → `;
    const count: ExplanationStep = { step: 'count', from, days: n, count: 'calendar' };

    if (onDayOff === 'none') {
      // No calendar needed for the date itself; describe the day only when the year is known.
      if (!this.hasYear(yearOfDay(target))) {
        return { date: targetDate, explanation: { text: `${head}${formatRu(targetDate)}`, steps: [count, { step: 'land', date: targetDate }, { step: 'result', date: targetDate }] } };
      }
      const info = this.infoAt(target);
      const text = isWorking(info.kind) ? `${head}${formatRu(targetDate)}` : `${head}${this.describeDay(info)}, срок не переносится`;
      return { date: targetDate, explanation: { text, steps: [count, { step: 'land', date: targetDate, kind: info.kind, reason: info.reason }, { step: 'result', date: targetDate }] } };
    }

    const info = this.infoAt(target);
    const land: ExplanationStep = { step: 'land', date: targetDate, kind: info.kind, reason: info.reason };
    if (isWorking(info.kind)) {
      return { date: targetDate, explanation: { text: `${head}${formatRu(targetDate)}`, steps: [count, land, { step: 'result', date: targetDate }] } };
    }
    const direction = onDayOff === 'previousWorking' ? 'previous' : 'next';
    const moved = fromDay(direction === 'previous' ? this.previousWorkingAt(target, false) : this.nextWorkingAt(target, false));
    const text = `${head}${this.describeDay(info)} → перенесено на ${direction === 'previous' ? 'предыдущий' : 'следующий'} рабочий день ${formatRu(moved)}`;
    return { date: moved, explanation: { text, steps: [count, land, { step: 'move', direction, from: targetDate, to: moved }, { step: 'result', date: moved }] } };
  }

  // ── internals on day numbers ─────────────────────────────────────────────────────────────

  /** @internal */
  infoAt(day: number): DayInfo {
    const year = yearOfDay(day);
    const ys = this.yearSets.get(year);
    if (!ys) throw new CalendarDataMissing(year);
    const date = fromDay(day);
    const weekday = weekdayOfDay(day);
    const info = (kind: DayKind, reason: DayReason): DayInfo => ({ date, kind, reason, weekday });
    if (this.extraOff.has(day)) return info('holiday', 'portal-day-off');
    if (this.extraWorking.has(day)) return info('working', 'portal-working-day');
    const holiday = PUBLIC_HOLIDAY_KEYS.has(date.slice(5));
    if (ys.off.has(day)) return holiday ? info('holiday', 'public-holiday') : info('weekend', 'moved-day-off');
    const short = ys.short.has(day);
    if (isWeekendDay(day)) {
      if (ys.workingWeekends.has(day)) return info(short ? 'short' : 'working', 'working-weekend');
      return holiday ? info('holiday', 'public-holiday') : info('weekend', 'weekend');
    }
    return info(short ? 'short' : 'working', 'weekday');
  }

  /** @internal */
  nextWorkingAt(day: number, inclusive: boolean): number {
    let d = inclusive ? day : day + 1;
    while (!isWorking(this.infoAt(d).kind)) d++;
    return d;
  }

  /** @internal */
  previousWorkingAt(day: number, inclusive: boolean): number {
    let d = inclusive ? day : day - 1;
    while (!isWorking(this.infoAt(d).kind)) d--;
    return d;
  }

  private describeDay(info: DayInfo): string {
    return dayWithLabel(info.date, WEEKDAY_NAMES_RU[info.weekday]!, info.reason, info.kind === 'short');
  }
}

export const isWorking = (kind: DayKind): boolean => kind === 'working' || kind === 'short';

/** Day number of a date, or a readable error. */
export function toDay(date: string): number {
  const d = typeof date === 'string' ? tryToDay(date) : undefined;
  if (d === undefined) throw new CalendarInputError(`Неверная дата «${String(date)}»: нужна существующая дата в формате ГГГГ-ММ-ДД.`);
  return d;
}

export function checkDays(n: number): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_DAYS) {
    throw new CalendarInputError(`Число дней должно быть целым от 0 до ${MAX_DAYS}, получено «${String(n)}».`);
  }
}

let shipped: ProductionCalendar | undefined;
/** The shipped calendar without overrides (built once). */
export function shippedCalendar(): ProductionCalendar {
  return (shipped ??= new ProductionCalendar());
}
