/**
 * "Проверка заявителя": does the person already have a membership status, and are there contacts
 * that look like the same person (same normalised full name; birth date, phone, e-mail as hints)?
 * Duplicates are reported to the responsible, never merged silently (DOMAIN.md).
 */
import type { HandlerContext } from '../context.js';
import { findDuplicates } from '../crm/duplicates.js';
import { STATUS_TITLES, type MemberStatus } from '../domain/membership/status.js';
import { fullName, type Applicant } from './applicant.js';
import type { MembershipRefs } from './refs.js';

export interface DuplicateHit {
  contactId: number;
  status: MemberStatus | null;
  sameBirthDate: boolean;
  samePhone: boolean;
  sameEmail: boolean;
}

export interface ApplicantCheck {
  /** A status that stops the application: the applicant's own, or a duplicate's that matches on more than the name. */
  blockingStatus: { status: MemberStatus; contactId: number; where: string } | null;
  duplicates: DuplicateHit[];
  warnings: string[];
}

const hintText = (d: DuplicateHit) =>
  [d.sameBirthDate && 'дата рождения', d.samePhone && 'телефон', d.sameEmail && 'e-mail'].filter(Boolean).join(', ');

export async function checkApplicant(ctx: HandlerContext, _refs: MembershipRefs, a: Applicant): Promise<ApplicantCheck> {
  const [found = []] = await findDuplicates(ctx, [
    { lastName: a.lastName, firstName: a.firstName, middleName: a.middleName, birthDate: a.birthDate, phone: a.phone, email: a.email, excludeContactIds: [a.contactId] },
  ]);
  const duplicates: DuplicateHit[] = found.map((c) => ({ contactId: c.contactId, status: c.status ?? null, sameBirthDate: c.hints.birthDate, samePhone: c.hints.phone, sameEmail: c.hints.email }));

  let blockingStatus: ApplicantCheck['blockingStatus'] = null;
  if (a.status) blockingStatus = { status: a.status, contactId: a.contactId, where: 'в карточке заявителя' };
  else {
    // Same name alone is common; a status blocks only when something else matches too.
    const strong = duplicates.find((d) => d.status && (d.sameBirthDate || d.samePhone || d.sameEmail));
    if (strong?.status) blockingStatus = { status: strong.status, contactId: strong.contactId, where: `контакт №${strong.contactId}, совпадают ФИО и ${hintText(strong)}` };
  }
  const warnings = duplicates
    .filter((d) => d.contactId !== blockingStatus?.contactId)
    .map((d) => `Возможный дубль: контакт №${d.contactId} (${fullName(a)}${hintText(d) ? `; совпадают: ${hintText(d)}` : '; совпадает только ФИО'})${d.status ? `, статус «${STATUS_TITLES[d.status]}»` : ''}.`);
  return { blockingStatus, duplicates, warnings };
}

/** One line for the deal's "check result" field. */
export function describeCheck(c: ApplicantCheck): string {
  if (c.blockingStatus) return `Уже есть статус «${STATUS_TITLES[c.blockingStatus.status]}» (${c.blockingStatus.where}).`;
  if (c.warnings.length) return `Не состоит в профсоюзе. ${c.warnings.join(' ')}`;
  return 'Не состоит в профсоюзе, дублей не найдено.';
}
