/** Preview + the clerk's choices → the execution plan (what to write for every row). Pure. */
import { fullNameOf } from './rows.js';
import type { ExecuteOptions, PersonRow, Plan, PlanEntry, PreviewRow } from './types.js';

const ruDate = (iso: string) => iso.split('-').reverse().join('.');

export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function buildPlan(
  input: { runId: string; memberId: string; userId: number; fileName: string; now: number },
  people: readonly PersonRow[],
  preview: readonly PreviewRow[],
  organisationOf: ReadonlyMap<number, number>,
  opts: ExecuteOptions,
): Plan {
  const byRow = new Map(preview.map((r) => [r.row, r]));
  const updating = new Map<number, number>(); // contact id → row that updates it
  const entries: PlanEntry[] = people.map((p) => {
    const view = byRow.get(p.row);
    const name = fullNameOf(p);
    const date = opts.mode === 'members' && opts.useFileDates && p.joinDate ? p.joinDate : opts.date;
    const base = { row: p.row, name, date };
    if (!view || view.status === 'error') {
      return { ...base, action: 'error', message: (view?.errors ?? p.errors).map((e) => `${e.column}: ${e.message}`).join(' ') || 'Ошибка в строке.' };
    }
    const create: PlanEntry = {
      ...base,
      action: 'create',
      companyId: organisationOf.get(p.row) ?? null,
      person: {
        lastName: p.lastName,
        firstName: p.firstName,
        middleName: p.middleName,
        birthDate: p.birthDate,
        phone: p.phone,
        email: p.email,
        position: p.position,
        nameKey: p.nameKey,
      },
    };
    if (view.status === 'ok') return create;
    create.knownContacts = view.candidates.map((c) => c.contactId);

    const choice = opts.rows[String(p.row)] ?? { action: opts.duplicateDefault };
    const why = view.candidates.length
      ? `в портале есть ${view.candidates.length === 1 ? `контакт №${view.candidates[0]!.contactId}` : `контакты ${view.candidates.map((c) => `№${c.contactId}`).join(', ')}`} (${view.candidates[0]!.hintText})`
      : view.inFile
        ? `повторяет строку ${view.inFile.row} (${view.inFile.hintText})`
        : 'возможный дубликат';
    if (choice.action === 'new') return create;
    if (choice.action === 'update') {
      const candidate = view.candidates.find((c) => c.contactId === choice.contactId) ?? view.candidates[0];
      if (!candidate) return { ...base, action: 'skip', message: `Пропущен: ${why}; существующего контакта для обновления нет.` };
      const earlier = updating.get(candidate.contactId);
      if (earlier !== undefined) return { ...base, action: 'skip', message: `Пропущен: контакт №${candidate.contactId} уже обновляется строкой ${earlier}.` };
      updating.set(candidate.contactId, p.row);
      return { ...base, action: 'update', contactId: candidate.contactId, companyId: organisationOf.get(p.row) ?? null };
    }
    return { ...base, action: 'skip', message: `Пропущен как возможный дубликат: ${why}.` };
  });
  return { version: 1, runId: input.runId, memberId: input.memberId, mode: opts.mode, userId: input.userId, fileName: input.fileName, createdAt: input.now, entries };
}

/** Checks the clerk's options; returns Russian problems (empty when fine). */
export function validateOptions(opts: ExecuteOptions, today: string): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (opts.mode !== 'members' && opts.mode !== 'applications') problems.push({ field: 'mode', message: 'Выберите: принять в члены профсоюза или создать заявления.' });
  if (!isIsoDate(opts.date)) problems.push({ field: 'date', message: 'Укажите дату в формате ДД.ММ.ГГГГ.' });
  else if (opts.date > today) problems.push({ field: 'date', message: `Дата ${ruDate(opts.date)} ещё не наступила.` });
  if (!['skip', 'new', 'update'].includes(opts.duplicateDefault)) problems.push({ field: 'duplicateDefault', message: 'Выберите, что делать с дубликатами.' });
  for (const [row, c] of Object.entries(opts.rows)) {
    if (!['skip', 'new', 'update'].includes(c?.action)) problems.push({ field: `rows.${row}`, message: `Строка ${row}: выберите, что делать с дубликатом.` });
  }
  return problems;
}
