// Russian labels and date formatting for the contact card tab. Dates of the domain are calendar
// dates (YYYY-MM-DD) and are formatted from their parts, never through Date, so no time zone can
// move them by a day.
import type { MemberStatus, StatusSource } from './api';

type BadgeColor = 'air-primary' | 'air-primary-success' | 'air-primary-warning' | 'air-primary-alert' | 'air-secondary';

export const STATUS_COLOR: Record<MemberStatus, BadgeColor> = {
  applied: 'air-primary',
  member: 'air-primary-success',
  suspended: 'air-primary-warning',
  deregistered: 'air-secondary',
};

export const SOURCE_SHORT: Record<StatusSource, string> = {
  robot: 'робот',
  stage: 'стадия заявления',
  card: 'карточка контакта',
  list: 'приём списком',
  decision: 'решение по заявлению',
};

const MONTHS = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

const parts = (iso: string | null | undefined) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  return m ? { y: m[1]!, m: Number(m[2]), d: Number(m[3]) } : null;
};

/** 2025-01-15 → «15.01.2025»; '' for nothing. */
export function shortDate(iso: string | null | undefined): string {
  const p = parts(iso);
  return p ? `${String(p.d).padStart(2, '0')}.${String(p.m).padStart(2, '0')}.${p.y}` : '';
}

/** 2025-01-15 → «15 января 2025 г.»; '' for nothing. */
export function longDate(iso: string | null | undefined): string {
  const p = parts(iso);
  return p && p.m >= 1 && p.m <= 12 ? `${p.d} ${MONTHS[p.m - 1]} ${p.y} г.` : '';
}

/** An ISO date-time with offset → «3 марта 2025 г., 14:05» in the portal's time zone. */
export function dateTime(iso: string | null | undefined, timeZone: string): string {
  const ms = Date.parse(iso ?? '');
  if (!Number.isFinite(ms)) return '';
  try {
    return new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone }).format(ms);
  } catch {
    return new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(ms);
  }
}

export { plural } from '../labels';
