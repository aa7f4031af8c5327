// Russian labels and formatters of the admission page.
import { plural } from '../labels';
import type { AdmissionMode, Candidate, MemberStatus, PreviewStatus } from './api';

export const MEMBER_STATUS: Record<MemberStatus, string> = {
  applied: 'подал заявление',
  member: 'член профсоюза',
  suspended: 'временно снят с учёта',
  deregistered: 'снят с учёта',
};

export const PREVIEW_STATUS: Record<PreviewStatus, { label: string; color: 'air-primary-success' | 'air-primary-alert' | 'air-primary-warning' }> = {
  ok: { label: 'Готов', color: 'air-primary-success' },
  error: { label: 'Ошибка', color: 'air-primary-alert' },
  duplicate: { label: 'Возможный дубликат', color: 'air-primary-warning' },
};

export const MODE_TITLES: Record<AdmissionMode, string> = {
  members: 'Принять в члены профсоюза',
  applications: 'Создать заявления',
};

/** YYYY-MM-DD → DD.MM.YYYY */
export const ruDate = (iso: string | null | undefined) => (iso ? iso.slice(0, 10).split('-').reverse().join('.') : '');

/** +79123456789 → +7 912 345-67-89 */
export function formatPhone(p: string | null | undefined): string {
  if (!p) return '';
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(p);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : p;
}

export const fullName = (r: { lastName: string; firstName: string; middleName: string }) => [r.lastName, r.firstName, r.middleName].filter(Boolean).join(' ');

/** «№123 · Иванова Мария Петровна · 12.03.1985 · член профсоюза с 01.02.2020 · ППО «Завод»» */
export function describeCandidate(c: Candidate): string {
  const parts = [`№${c.contactId}`, fullName(c)];
  if (c.birthDate) parts.push(`род. ${ruDate(c.birthDate)}`);
  parts.push(c.status ? `${MEMBER_STATUS[c.status]}${c.statusDate ? ` с ${ruDate(c.statusDate)}` : ''}` : 'без статуса');
  if (c.companyTitle) parts.push(c.companyTitle);
  return parts.join(' · ');
}

export const rowsWord = (n: number) => `${n.toLocaleString('ru-RU')} ${plural(n, ['строка', 'строки', 'строк'])}`;
export const peopleWord = (n: number) => `${n.toLocaleString('ru-RU')} ${plural(n, ['человек', 'человека', 'человек'])}`;

