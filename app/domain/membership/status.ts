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

export interface StatusChange {
  status: MemberStatus;
  /** Effective date, YYYY-MM-DD. */
  from: string;
  until?: string;
  reason?: DeregistrationReason;
  source: 'robot' | 'stage' | 'card' | 'list' | 'decision';
}

const MARKER = '#du-status';

const ruDate = (iso: string) => iso.split('-').reverse().join('.');

/** A timeline comment people can read, ending with a line machines can parse. */
export function historyComment(c: StatusChange): string {
  const human = [`Статус члена профсоюза: ${STATUS_TITLES[c.status]} с ${ruDate(c.from)}`];
  if (c.until) human.push(`до ${ruDate(c.until)}`);
  if (c.reason) human.push(`— причина: ${REASON_TITLES[c.reason]}`);
  const fields = Object.entries({ status: c.status, from: c.from, until: c.until, reason: c.reason, source: c.source })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${human.join(' ')}.\n${MARKER} ${fields}`;
}

export function parseHistoryComment(text: string): StatusChange | null {
  const line = text.split('\n').find((l) => l.startsWith(`${MARKER} `));
  if (!line) return null;
  const kv = Object.fromEntries(line.slice(MARKER.length + 1).split(' ').map((p) => p.split('=') as [string, string]));
  if (!MEMBER_STATUSES.includes(kv.status as MemberStatus) || !/^\d{4}-\d{2}-\d{2}$/.test(kv.from ?? '')) return null;
  return {
    status: kv.status as MemberStatus,
    from: kv.from!,
    ...(kv.until ? { until: kv.until } : {}),
    ...(kv.reason ? { reason: kv.reason as DeregistrationReason } : {}),
    source: (kv.source as StatusChange['source']) ?? 'card',
  };
}

/** Rules a status change must obey, with messages for the people who set it. */
export function validateStatusChange(c: StatusChange): string[] {
  const errors: string[] = [];
  if (c.status === 'deregistered' && !c.reason) errors.push('Для снятия с учёта укажите причину.');
  if (c.status !== 'deregistered' && c.reason) errors.push('Причина указывается только при снятии с учёта.');
  if (c.until && c.status !== 'suspended') errors.push('Дата «до» указывается только при временном снятии с учёта.');
  if (c.until && c.until < c.from) errors.push('Дата «до» раньше даты вступления в силу.');
  return errors;
}
