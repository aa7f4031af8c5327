/** Rows of the table → checked people, with a Russian message per problem (row, column, what is wrong). */
import { nameKeyOf, normaliseEmail, normalisePhone, splitFullName } from '../../domain/membership/names.js';
import { columnTitle, FIELD_TITLES, type ColumnMap, type ListField } from './columns.js';
import type { RawTable } from './parse.js';
import type { PersonRow, RowError } from './types.js';

/** Youngest age for membership (Federal Law «О профессиональных союзах», art. 2: from 14). */
export const MIN_MEMBER_AGE = 14;

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

function validDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1000 || y > 9999) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d ? iso(y, m, d) : null;
}

/** Excel's day serial (1900 system, with its phantom 29 Feb 1900) → YYYY-MM-DD. */
export function excelSerialDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2_958_465) return null;
  const ms = Date.UTC(1899, 11, 30) + Math.floor(serial) * 86_400_000;
  const d = new Date(ms);
  return iso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/**
 * A date as people write it in Russian lists: 05.03.1985, 5.3.1985, 05.03.85, 05/03/1985,
 * 05-03-1985, 1985-03-05 (also with a time), «5 марта 1985», or an Excel day number.
 * `today` (YYYY-MM-DD) resolves two-digit years. Returns YYYY-MM-DD or null.
 */
export function parseRuDate(raw: string, today: string): string | null {
  const text = raw.trim().toLowerCase().replace(/\s*г(ода|\.)?\s*$/u, '');
  if (!text) return null;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t\s].*)?$/.exec(text);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(text);
  if (m) {
    let year = Number(m[3]);
    if (m[3]!.length === 2) {
      const cur = Number(today.slice(0, 4));
      year += year > cur % 100 ? Math.floor(cur / 100) * 100 - 100 : Math.floor(cur / 100) * 100;
    }
    return validDate(year, Number(m[2]), Number(m[1]));
  }
  const months = ['январ', 'феврал', 'март', 'апрел', 'ма', 'июн', 'июл', 'август', 'сентябр', 'октябр', 'ноябр', 'декабр'];
  m = /^(\d{1,2})\s+([а-я]+)\s+(\d{4})$/u.exec(text);
  if (m) {
    const word = m[2]!;
    const month = months.findIndex((p, i) => (i === 4 ? /^ма[йя]$/u.test(word) : word.startsWith(p)));
    return month >= 0 ? validDate(Number(m[3]), month + 1, Number(m[1])) : null;
  }
  if (/^\d{4,6}(\.\d+)?$/.test(text)) return excelSerialDate(Number(text));
  return null;
}

const ruDate = (isoDate: string) => isoDate.split('-').reverse().join('.');

/** Full years between two YYYY-MM-DD dates. */
export function ageOn(birth: string, on: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Letters of any script, spaces, hyphens, apostrophes, dots (initials). */
const NAME_CHARS = /^[\p{L}\p{M}\s'’`.\-‐‑–—]+$/u;

export interface ReadRowsOptions {
  /** Today in the portal's time zone, YYYY-MM-DD. */
  today: string;
}

/** Every data row under the header → a person with its problems. Blank rows are already gone. */
export function readRows(table: RawTable, map: ColumnMap, opts: ReadRowsOptions): PersonRow[] {
  const out: PersonRow[] = [];
  for (const { row, cells } of table.rows) {
    if (row <= map.headerRow) continue;
    const cell = (f: ListField) => {
      const i = map.index[f];
      return i === undefined ? '' : (cells[i] ?? '').trim();
    };
    const errors: RowError[] = [];
    const err = (f: ListField, message: string) => errors.push({ row, column: columnTitle(map, f), message });

    let lastName = cell('lastName');
    let firstName = cell('firstName');
    let middleName = cell('middleName');
    if (map.index.fullName !== undefined && !lastName && !firstName) {
      const full = cell('fullName');
      const parts = splitFullName(full);
      if (parts) ({ last: lastName, first: firstName, middle: middleName } = parts);
      else if (full) err('fullName', `В колонке «${columnTitle(map, 'fullName')}» нужны хотя бы фамилия и имя через пробел: «${full}».`);
      else err('fullName', 'Не заполнены фамилия, имя и отчество.');
    } else {
      if (!lastName) err('lastName', 'Не заполнена фамилия.');
      if (!firstName) err('firstName', 'Не заполнено имя.');
    }
    const nameFields: [ListField, string, string][] = [
      ['lastName', lastName, 'Фамилия'],
      ['firstName', firstName, 'Имя'],
      ['middleName', middleName, 'Отчество'],
    ];
    for (const [f, v, title] of nameFields) {
      if (v && !NAME_CHARS.test(v)) err(map.index[f] === undefined ? 'fullName' : f, `${title} «${v}» содержит цифры или лишние знаки.`);
      else if (v.length > 100) err(map.index[f] === undefined ? 'fullName' : f, `${title} длиннее 100 знаков.`);
    }

    const dateOf = (f: 'birthDate' | 'joinDate'): string | null => {
      const raw = cell(f);
      if (!raw) return null;
      const parsed = parseRuDate(raw, opts.today);
      if (!parsed) err(f, `${FIELD_TITLES[f]} «${raw}» не распознана: напишите её как ДД.ММ.ГГГГ, например 05.03.1985.`);
      return parsed;
    };
    const birthDate = dateOf('birthDate');
    const joinDate = dateOf('joinDate');
    if (birthDate) {
      if (birthDate > opts.today) err('birthDate', `Дата рождения ${ruDate(birthDate)} ещё не наступила.`);
      else if (birthDate < '1900-01-01') err('birthDate', `Дата рождения ${ruDate(birthDate)} раньше 1900 года.`);
      else if ((!joinDate || joinDate > birthDate) && ageOn(birthDate, joinDate ?? opts.today) < MIN_MEMBER_AGE) err('birthDate', `На дату вступления меньше ${MIN_MEMBER_AGE} лет: в профсоюз принимают с ${MIN_MEMBER_AGE} лет.`);
    }
    if (joinDate) {
      if (joinDate > opts.today) err('joinDate', `Дата вступления ${ruDate(joinDate)} ещё не наступила.`);
      else if (birthDate && joinDate <= birthDate) err('joinDate', 'Дата вступления раньше даты рождения.');
    }

    let phone: string | null = null;
    const phoneRaw = cell('phone');
    if (phoneRaw) {
      // Several numbers in one cell: the first that reads as a phone.
      const parts = phoneRaw.split(/[,;]|\s{2,}/).map((p) => p.trim()).filter(Boolean);
      phone = parts.map((p) => normalisePhone(p)).find((p) => p !== null) ?? null;
      if (!phone) err('phone', `Телефон «${phoneRaw}» не распознан: нужен номер вида +7 912 345-67-89 или 8 912 345-67-89.`);
    }
    let email: string | null = null;
    const emailRaw = cell('email');
    if (emailRaw) {
      const parts = emailRaw.split(/[,;\s]+/).filter(Boolean);
      email = parts.map((p) => normaliseEmail(p)).find((p) => p !== null) ?? null;
      if (!email) err('email', `E-mail «${emailRaw}» указан с ошибкой.`);
    }
    const organisation = cell('organisation');
    if (!organisation) err('organisation', 'Не указана организация.');
    const position = cell('position');
    if (position.length > 255) err('position', 'Должность длиннее 255 знаков.');

    out.push({
      row,
      lastName,
      firstName,
      middleName,
      birthDate,
      phone,
      email,
      organisation,
      position,
      joinDate,
      nameKey: nameKeyOf(lastName, firstName, middleName),
      errors,
    });
  }
  return out;
}

/** «Иванова Мария Петровна» */
export const fullNameOf = (p: { lastName: string; firstName: string; middleName: string }) => [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
