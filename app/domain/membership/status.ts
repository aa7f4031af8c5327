/** Membership statuses and the history marker kept in the portal's timeline. Pure. */

export const MEMBER_STATUSES = ['applied', 'member', 'suspended', 'deregistered'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const DEREGISTRATION_REASONS = ['voluntary', 'dismissal', 'transfer', 'exclusion', 'death', 'other'] as const;
export type DeregistrationReason = (typeof DEREGISTRATION_REASONS)[number];

export const STATUS_TITLES: Record<MemberStatus, string> = {
  applied: 'Подано заявление о приёме в члены профсоюза',
  member: 'Член профсоюза',
  suspended: 'Временно снят с учёта',
  deregistered: 'Снят с учёта',
};

export const REASON_TITLES: Record<DeregistrationReason, string> = {
  voluntary: 'Добровольный выход',
  dismissal: 'Увольнение или выход на пенсию',
  transfer: 'Перевод',
  exclusion: 'Исключение',
  death: 'Смерть',
  other: 'Другое',
};

/** Where a change of status came from (kept in the history marker). */
export const STATUS_SOURCES = ['robot', 'stage', 'card', 'list', 'decision'] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];

export const SOURCE_TITLES: Record<StatusSource, string> = {
  robot: 'Робот',
  stage: 'Стадия заявления',
  card: 'Карточка контакта',
  list: 'Приём списком',
  decision: 'Решение по заявлению',
};

export interface StatusChange {
  status: MemberStatus;
  /** Effective date, YYYY-MM-DD. */
  from: string;
  until?: string;
  reason?: DeregistrationReason;
  source: StatusSource;
  /** The portal user who made the change by hand (card tab); absent for automatic changes. */
  by?: number;
}

const MARKER = '#du-status';

const ruDate = (iso: string) => iso.split('-').reverse().join('.');

/** A timeline comment people can read, ending with a line machines can parse. */
export function historyComment(c: StatusChange): string {
  const human = [`Статус члена профсоюза: ${STATUS_TITLES[c.status]} с ${ruDate(c.from)}`];
  if (c.until) human.push(`до ${ruDate(c.until)}`);
  if (c.reason) human.push(`— причина: ${REASON_TITLES[c.reason]}`);
  const fields = Object.entries({ status: c.status, from: c.from, until: c.until, reason: c.reason, source: c.source, by: c.by })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${human.join(' ')}.\n${MARKER} ${fields}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written as YYYY-MM-DD. */
export function isIsoDate(v: unknown): v is string {
  const m = typeof v === 'string' ? ISO_DATE.exec(v) : null;
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const isOneOf = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);

/**
 * The change a history comment records, read back from its marker line; null for any other comment
 * or a marker that does not parse. Tolerates what the portal may do to the text (CRLF, `<br>`,
 * surrounding spaces); unknown keys are ignored so that later versions can add some.
 */
export function parseHistoryComment(text: string): StatusChange | null {
  if (typeof text !== 'string' || !text.includes(MARKER)) return null;
  const line = text
    .split(/\r?\n|\r|<br\s*\/?>/i)
    .map((l) => l.trim())
    .find((l) => l === MARKER || l.startsWith(`${MARKER} `));
  if (!line) return null;
  const kv = new Map<string, string>();
  for (const part of line.slice(MARKER.length).trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && !kv.has(part.slice(0, eq))) kv.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const status = kv.get('status');
  const from = kv.get('from');
  const source = kv.get('source');
  if (!isOneOf(MEMBER_STATUSES, status) || !isIsoDate(from) || !isOneOf(STATUS_SOURCES, source)) return null;
  const until = kv.get('until');
  const reason = kv.get('reason');
  const by = Number(kv.get('by'));
  return {
    status,
    from,
    ...(isIsoDate(until) ? { until } : {}),
    ...(isOneOf(DEREGISTRATION_REASONS, reason) ? { reason } : {}),
    source,
    ...(Number.isInteger(by) && by > 0 ? { by } : {}),
  };
}

export interface StatusIssue {
  field: 'status' | 'from' | 'until' | 'reason';
  message: string;
}

/** Rules a status change must obey, each tied to the field it is about (for forms). */
export function statusChangeIssues(c: StatusChange): StatusIssue[] {
  const issues: StatusIssue[] = [];
  if (!isOneOf(MEMBER_STATUSES, c.status)) issues.push({ field: 'status', message: 'Выберите статус из списка.' });
  if (!isIsoDate(c.from)) issues.push({ field: 'from', message: 'Укажите дату вступления в силу.' });
  if (c.until && !isIsoDate(c.until)) issues.push({ field: 'until', message: 'Дата «до» указана неверно.' });
  if (c.reason && !isOneOf(DEREGISTRATION_REASONS, c.reason)) issues.push({ field: 'reason', message: 'Выберите причину из списка.' });
  if (c.status === 'deregistered' && !c.reason) issues.push({ field: 'reason', message: 'Для снятия с учёта укажите причину.' });
  if (c.status !== 'deregistered' && c.reason) issues.push({ field: 'reason', message: 'Причина указывается только при снятии с учёта.' });
  if (c.until && c.status !== 'suspended') issues.push({ field: 'until', message: 'Дата «до» указывается только при временном снятии с учёта.' });
  if (c.until && isIsoDate(c.until) && isIsoDate(c.from) && c.until < c.from) issues.push({ field: 'until', message: 'Дата «до» раньше даты вступления в силу.' });
  return issues;
}

/** Rules a status change must obey, with messages for the people who set it. */
export function validateStatusChange(c: StatusChange): string[] {
  return statusChangeIssues(c).map((i) => i.message);
}
