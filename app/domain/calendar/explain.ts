/** How a deadline was computed: structured steps plus one short Russian sentence. Pure. */
import { formatRu, formatRuShort, fromDay, plural } from './dates.js';

export type DayKind = 'working' | 'short' | 'weekend' | 'holiday';

/** Why a day is what it is. `kind` says working or not; this says on what grounds. */
export type DayReason =
  /** An ordinary Monday–Friday working day. */
  | 'weekday'
  /** A Saturday or Sunday made a working day by the decree. */
  | 'working-weekend'
  /** An ordinary Saturday or Sunday. */
  | 'weekend'
  /** A Monday–Friday made a day off by the decree (a moved weekend). */
  | 'moved-day-off'
  /** A non-working public holiday (Labour Code art. 112). */
  | 'public-holiday'
  /** Made a day off by the portal's overrides (e.g. a regional holiday). */
  | 'portal-day-off'
  /** Made a working day by the portal's overrides. */
  | 'portal-working-day';

export type DayCount = 'calendar' | 'working';
/** What to do when a calendar-day deadline lands on a day off. */
export type OnDayOff = 'none' | 'previousWorking' | 'nextWorking';

export type ExplanationStep =
  /** Count `days` days of the given sort from `from` (the start day itself is not counted). */
  | { step: 'count'; from: string; days: number; count: DayCount }
  /** `from` + N calendar days lands here; kind/reason are absent when the year has no calendar data and no move was asked for. */
  | { step: 'land'; date: string; kind?: DayKind; reason?: DayReason }
  /** Consecutive days of one reason skipped while counting working days. */
  | { step: 'skip'; from: string; to: string; days: number; reason: DayReason }
  /** A deadline on a day off moved to a working day. */
  | { step: 'move'; direction: 'previous' | 'next'; from: string; to: string }
  /** The cut-off start date for deadlines due by `today` (see dueDateBefore). */
  | { step: 'cutoff'; today: string; date: string }
  | { step: 'result'; date: string };

export interface Explanation {
  /** One readable Russian sentence, e.g. for a workflow log or a tooltip. */
  text: string;
  steps: ExplanationStep[];
}

export interface DeadlineResult {
  /** YYYY-MM-DD */
  date: string;
  explanation: Explanation;
}

export const REASON_LABELS: Record<DayReason, { one: string; many: string }> = {
  weekday: { one: 'рабочий день', many: 'рабочие дни' },
  'working-weekend': { one: 'рабочий день по переносу', many: 'рабочие дни по переносу' },
  weekend: { one: 'выходной', many: 'выходные' },
  'moved-day-off': { one: 'перенесённый выходной', many: 'перенесённые выходные' },
  'public-holiday': { one: 'праздник', many: 'праздники' },
  'portal-day-off': { one: 'нерабочий день по настройкам портала', many: 'нерабочие дни по настройкам портала' },
  'portal-working-day': { one: 'рабочий день по настройкам портала', many: 'рабочие дни по настройкам портала' },
};

export const COUNT_FORMS: Record<DayCount, readonly [string, string, string]> = {
  calendar: ['календарный день', 'календарных дня', 'календарных дней'],
  working: ['рабочий день', 'рабочих дня', 'рабочих дней'],
};

export const daysPhrase = (n: number, count: DayCount): string => `${n} ${plural(n, COUNT_FORMS[count])}`;

export type SkipRun = Extract<ExplanationStep, { step: 'skip' }>;

/** Groups skipped day numbers (ascending) into runs of consecutive days with the same reason. */
export function collapseSkipped(days: { day: number; reason: DayReason }[]): SkipRun[] {
  const runs: { first: number; last: number; reason: DayReason }[] = [];
  for (const d of days) {
    const prev = runs[runs.length - 1];
    if (prev && prev.reason === d.reason && prev.last === d.day - 1) prev.last = d.day;
    else runs.push({ first: d.day, last: d.day, reason: d.reason });
  }
  return runs.map((r) => ({ step: 'skip', from: fromDay(r.first), to: fromDay(r.last), days: r.last - r.first + 1, reason: r.reason }));
}

/** At most this many runs are spelled out; beyond it ordinary weekends are only counted. */
const MAX_RUNS_IN_TEXT = 6;

/** "01.05 (праздник), 03.05–04.05 (выходные)"; long lists keep the holidays and count the weekends. */
export function describeSkipped(runs: SkipRun[], contextYear: number): string {
  const one = (r: SkipRun) => {
    const when =
      r.days === 1 ? formatRuShort(r.from, contextYear)
      : r.from.slice(0, 4) === r.to.slice(0, 4) ? `${formatRuShort(r.from, Number(r.from.slice(0, 4)))}–${formatRuShort(r.to, contextYear)}` // 01.01–08.01.2026
      : `${formatRuShort(r.from, contextYear)}–${formatRuShort(r.to, contextYear)}`;
    return `${when} (${r.days === 1 ? REASON_LABELS[r.reason].one : REASON_LABELS[r.reason].many})`;
  };
  if (runs.length <= MAX_RUNS_IN_TEXT) return runs.map(one).join(', ');
  const special = runs.filter((r) => r.reason !== 'weekend');
  const weekendDays = runs.filter((r) => r.reason === 'weekend').reduce((s, r) => s + r.days, 0);
  const shown = special.slice(0, MAX_RUNS_IN_TEXT).map(one);
  const hiddenDays = special.slice(MAX_RUNS_IN_TEXT).reduce((s, r) => s + r.days, 0);
  if (hiddenDays) shown.push(`ещё ${hiddenDays} ${plural(hiddenDays, ['нерабочий день', 'нерабочих дня', 'нерабочих дней'])}`);
  if (weekendDays) shown.push(`${special.length ? 'а также ' : ''}выходные: ${weekendDays} ${plural(weekendDays, ['день', 'дня', 'дней'])}`);
  return shown.join(', ');
}

export const dayWithLabel = (date: string, weekdayName: string, reason: DayReason, short = false): string =>
  `${formatRu(date)} (${weekdayName}, ${REASON_LABELS[reason].one}${short ? ', сокращённый' : ''})`;
