/**
 * Plain calendar dates (`YYYY-MM-DD`) as whole day numbers (days since 1970-01-01).
 * All arithmetic is in UTC: a date here is a day on the portal's calendar, never an instant,
 * so local-time Date methods (and their daylight-saving surprises) are never used.
 */

const MS_PER_DAY = 86_400_000;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a valid `YYYY-MM-DD` date, or undefined when the text is not a real date. */
export function tryToDay(date: string): number | undefined {
  const m = ISO.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2999 || mo < 1 || mo > 12 || d < 1) return undefined;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined; // 2025-02-30
  return Math.round(ms / MS_PER_DAY);
}

export function isIsoDate(date: string): boolean {
  return tryToDay(date) !== undefined;
}

export function fromDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function yearOfDay(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export const isWeekendDay = (day: number): boolean => {
  const wd = weekdayOfDay(day);
  return wd === 0 || wd === 6;
};

export const WEEKDAY_NAMES_RU = ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'] as const;

/** `2025-03-15` → `15.03.2025`. */
export function formatRu(date: string): string {
  return `${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`;
}

/** `2025-03-15` → `15.03` when the year goes without saying, else the full date. */
export function formatRuShort(date: string, contextYear: number): string {
  return Number(date.slice(0, 4)) === contextYear ? `${date.slice(8, 10)}.${date.slice(5, 7)}` : formatRu(date);
}

/** Russian plural form: plural(5, ['день', 'дня', 'дней']) → 'дней'. */
export function plural(n: number, forms: readonly [one: string, few: string, many: string]): string {
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a >= 11 && a <= 14) return forms[2];
  if (b === 1) return forms[0];
  if (b >= 2 && b <= 4) return forms[1];
  return forms[2];
}
