/** The result report as CSV for Russian Excel: UTF-8 with BOM, `;`, CRLF. */
import type { AdmissionMode, Plan, RowOutcome, RowResult } from './types.js';

export const OUTCOME_TITLES: Record<AdmissionMode, Record<RowOutcome, string>> = {
  members: {
    created: 'Принят',
    updated: 'Статус обновлён',
    unchanged: 'Без изменений',
    skipped: 'Пропущен',
    error: 'Ошибка в строке',
    failed: 'Не сохранён',
  },
  applications: {
    created: 'Заявление создано',
    updated: 'Заявление создано (существующий контакт)',
    unchanged: 'Без изменений',
    skipped: 'Пропущен',
    error: 'Ошибка в строке',
    failed: 'Не сохранён',
  },
};

/** Quotes a cell, and defuses cells Excel would run as a formula. */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(plan: Plan, results: readonly RowResult[]): string {
  const titles = OUTCOME_TITLES[plan.mode];
  const names = new Map(plan.entries.map((e) => [e.row, e.name]));
  const header = ['Строка', 'ФИО', 'Результат', 'ID контакта', 'ID сделки', 'Сообщение'];
  const lines = [header.map(csvCell).join(';')];
  for (const r of [...results].sort((a, b) => a.row - b.row)) {
    lines.push([r.row, names.get(r.row) ?? '', titles[r.outcome], r.contactId ?? '', r.dealId ?? '', r.message].map(csvCell).join(';'));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export const reportFileName = (runId: string) => `otchet-priem-po-spisku-${runId}.csv`;
