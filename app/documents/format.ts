/**
 * Russian formatting for the documents: dates, initials, and the grammatical cases of a person's
 * name ("от Иванова Ивана Ивановича", "принять Иванову Анну Сергеевну", "Председателю … П.П. Петрову").
 *
 * The declension rules cover the regular Russian patterns (‑ов/‑ев/‑ин, ‑ский, ‑ова/‑ская, first names
 * and patronymics). When a word matches no rule it stays in the nominative: a slightly wrong case is
 * better than a mangled name. Callers can pass the declined forms explicitly (…Genitive/…Dative fields
 * in the catalog's schemas) for unusual names. Pure functions.
 */

const MONTHS_GENITIVE = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

/** Non-breaking space: keeps "П.П. Петров" and "5 марта" on one line. */
export const NBSP = '\u00a0';

function parts(iso: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** A real calendar date in YYYY-MM-DD (rejects 2025-02-30). */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** 2025-03-05 → "05.03.2025". */
export function dateNumeric(iso: string): string {
  const [y, m, d] = parts(iso);
  return `${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`;
}

/** 2025-03-05 → "5 марта 2025 г." */
export function dateLong(iso: string): string {
  const [y, m, d] = parts(iso);
  return `${d}${NBSP}${MONTHS_GENITIVE[m - 1]}${NBSP}${y}${NBSP}г.`;
}

/** 2025-03-05 → "«05» марта 2025 г." (the form of a signature date line). */
export function dateQuoted(iso: string): string {
  const [y, m, d] = parts(iso);
  return `«${String(d).padStart(2, '0')}»${NBSP}${MONTHS_GENITIVE[m - 1]}${NBSP}${y}${NBSP}г.`;
}

// ───────────────────────────── names ─────────────────────────────

export type Gender = 'male' | 'female';
export type Case = 'gen' | 'dat' | 'acc';

export interface PersonName {
  surname: string;
  given: string;
  patronymic: string;
}

/** "Иванов  Иван Иванович" → parts; the Russian order is surname, given name, patronymic. */
export function splitName(fullName: string): PersonName {
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  return { surname: words[0] ?? '', given: words[1] ?? '', patronymic: words.slice(2).join(' ') };
}

export function normaliseSpaces(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

/** The gender the patronymic (or, failing that, the surname) tells; null when it doesn't. */
export function guessGender(n: PersonName): Gender | null {
  const pat = n.patronymic.toLowerCase();
  if (/(ич|оглы|улы)$/.test(pat)) return 'male';
  if (/(на|кызы|гызы)$/.test(pat)) return 'female';
  const sur = n.surname.toLowerCase();
  if (/(ова|ева|ёва|ина|ына|ская|цкая)$/.test(sur)) return 'female';
  if (/(ов|ев|ёв|ин|ын|ский|цкий)$/.test(sur)) return 'male';
  return null;
}

/** Replace the last `cut` letters by `ending`, keeping the word's case (ИВАНОВ → ИВАНОВА). */
function inflect(word: string, cut: number, ending: string): string {
  const stem = word.slice(0, word.length - cut);
  const upper = word.length > 1 && word === word.toUpperCase() && word !== word.toLowerCase();
  return stem + (upper ? ending.toUpperCase() : ending);
}

const VELAR_SIBILANT = /[гкхжшщч]$/;

/** Nouns of the first declension (‑а/‑я): Анна, Никита, Ольга, Илья, Мария, Глинка. */
function declineA(w: string, c: Case): string | null {
  const lw = w.toLowerCase();
  if (lw.endsWith('ия')) return inflect(w, 1, { gen: 'и', dat: 'и', acc: 'ю' }[c]);
  if (lw.endsWith('я')) return inflect(w, 1, { gen: 'и', dat: 'е', acc: 'ю' }[c]);
  if (lw.endsWith('а')) {
    const soft = VELAR_SIBILANT.test(lw.slice(0, -1));
    return inflect(w, 1, { gen: soft ? 'и' : 'ы', dat: 'е', acc: 'у' }[c]);
  }
  return null;
}

const FLEETING: Record<string, string> = { пётр: 'Петр', петр: 'Петр', павел: 'Павл', лев: 'Льв' };

function declineGivenMale(w: string, c: Case): string {
  const lw = w.toLowerCase();
  const fleeting = FLEETING[lw];
  if (fleeting) return fleeting + { gen: 'а', dat: 'у', acc: 'а' }[c];
  if (/[йь]$/.test(lw)) return inflect(w, 1, { gen: 'я', dat: 'ю', acc: 'я' }[c]);
  if (/[ая]$/.test(lw)) return declineA(w, c) ?? w;
  if (/[бвгджзклмнпрстфхцчшщ]$/.test(lw)) return inflect(w, 0, { gen: 'а', dat: 'у', acc: 'а' }[c]);
  return w;
}

function declineGivenFemale(w: string, c: Case): string {
  const lw = w.toLowerCase();
  if (/[ая]$/.test(lw)) return declineA(w, c) ?? w;
  if (lw.endsWith('ь')) return c === 'acc' ? w : inflect(w, 1, 'и');
  return w;
}

function declinePatronymic(w: string, g: Gender, c: Case): string {
  const lw = w.toLowerCase();
  if (g === 'male' && lw.endsWith('ич')) return inflect(w, 0, { gen: 'а', dat: 'у', acc: 'а' }[c]);
  if (g === 'female' && lw.endsWith('на')) return inflect(w, 1, { gen: 'ы', dat: 'е', acc: 'у' }[c]);
  return w; // "Ахмед оглы", "Ахмедовна кызы" and the unknown stay as they are
}

function declineSurnamePart(w: string, g: Gender, c: Case): string {
  const lw = w.toLowerCase();
  if (/(ых|их|ко|енко|аго|яго)$/.test(lw) || /[еиоуыэю]$/.test(lw)) return w; // Черных, Шевченко, Дурново
  if (g === 'male') {
    if (/(ский|цкий|ской|цкой)$/.test(lw)) return inflect(w, 2, { gen: 'ого', dat: 'ому', acc: 'ого' }[c]);
    if (/(ый|ой)$/.test(lw)) return inflect(w, 2, { gen: 'ого', dat: 'ому', acc: 'ого' }[c]);
    if (/ий$/.test(lw)) return VELAR_SIBILANT.test(lw.slice(0, -2)) ? inflect(w, 2, { gen: 'ого', dat: 'ому', acc: 'ого' }[c]) : inflect(w, 2, { gen: 'его', dat: 'ему', acc: 'его' }[c]);
    if (/[йь]$/.test(lw)) return inflect(w, 1, { gen: 'я', dat: 'ю', acc: 'я' }[c]);
    if (/[ая]$/.test(lw)) return declineA(w, c) ?? w;
    if (/[бвгджзклмнпрстфхцчшщ]$/.test(lw)) return inflect(w, 0, { gen: 'а', dat: 'у', acc: 'а' }[c]);
    return w;
  }
  if (/(ова|ева|ёва|ина|ына)$/.test(lw)) return inflect(w, 1, { gen: 'ой', dat: 'ой', acc: 'у' }[c]);
  if (/(ая)$/.test(lw)) return inflect(w, 2, { gen: 'ой', dat: 'ой', acc: 'ую' }[c]);
  if (/(яя)$/.test(lw)) return inflect(w, 2, { gen: 'ей', dat: 'ей', acc: 'юю' }[c]);
  if (/[ая]$/.test(lw)) return declineA(w, c) ?? w;
  return w; // women's surnames ending in a consonant do not decline (Шмидт, Гусак)
}

function declineSurname(s: string, g: Gender, c: Case): string {
  return s
    .split('-')
    .map((part) => declineSurnamePart(part, g, c))
    .join('-');
}

/** The full name in a case; the nominative if the gender can't be told. */
export function declineFullName(fullName: string, c: Case, gender?: Gender | null): string {
  const n = splitName(fullName);
  const g = gender ?? guessGender(n);
  if (!g) return normaliseSpaces(fullName);
  const given = n.given ? (g === 'male' ? declineGivenMale(n.given, c) : declineGivenFemale(n.given, c)) : '';
  const pat = n.patronymic ? n.patronymic.split(' ').map((w, i) => (i === 0 ? declinePatronymic(w, g, c) : w)).join(' ') : '';
  return [declineSurname(n.surname, g, c), given, pat].filter(Boolean).join(' ');
}

/** "И.И." from the given name and patronymic (the first letter of each; hyphenated names keep both). */
function initials(n: PersonName): string {
  const letter = (w: string) =>
    w
      .split('-')
      .map((x) => (x ? `${x[0]!.toUpperCase()}.` : ''))
      .join('-');
  const pat = n.patronymic.split(' ')[0] ?? '';
  return `${n.given ? letter(n.given) : ''}${pat ? letter(pat) : ''}`;
}

/** "Иванов Иван Иванович" → "И.И. Иванов" (the signature's transcript, GOST R 7.0.97 style). */
export function initialsFirst(fullName: string, c?: Case, gender?: Gender | null): string {
  const n = splitName(fullName);
  const g = gender ?? guessGender(n);
  const surname = c && g ? declineSurname(n.surname, g, c) : n.surname;
  const i = initials(n);
  return i ? `${i}${NBSP}${surname}` : surname;
}

/** "Иванов Иван Иванович" → "Иванов И.И." (lists and file names). */
export function surnameFirst(fullName: string): string {
  const n = splitName(fullName);
  const i = initials(n);
  return i ? `${n.surname}${NBSP}${i}` : n.surname;
}

/**
 * An organisation's name in the genitive for "Председателю …" / "профсоюзного комитета …":
 * the leading adjectives and the noun "организация" decline ("Первичная профсоюзная организация
 * ПАО «…»" → "Первичной профсоюзной организации ПАО «…»"); names that start otherwise
 * ("ППО ПАО «…»") are left as they are.
 */
export function organisationGenitive(name: string): string {
  const words = normaliseSpaces(name).split(' ');
  const out: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    const lw = w.toLowerCase();
    if (/^[а-яё-]+ая$/.test(lw)) out.push(inflect(w, 2, 'ой'));
    else if (/^[а-яё-]+яя$/.test(lw)) out.push(inflect(w, 2, 'ей'));
    else break;
  }
  const noun = words[i]?.toLowerCase();
  if (out.length === 0 || (noun !== 'организация' && noun !== 'организация,')) return normaliseSpaces(name);
  out.push(inflect(words[i]!, 1, 'и'));
  return [...out, ...words.slice(i + 1)].join(' ');
}

/** Small integers as words in the genitive ("1 (одного) процента"). */
const GENITIVE_NUMBERS = ['', 'одного', 'двух', 'трёх', 'четырёх', 'пяти', 'шести', 'семи', 'восьми', 'девяти', 'десяти'];

export function percentText(percent: number): string {
  const shown = String(percent).replace('.', ',');
  const words = Number.isInteger(percent) ? GENITIVE_NUMBERS[percent] : undefined;
  return words ? `${shown}${NBSP}(${words}) процента` : `${shown}${NBSP}%`;
}

/** XML 1.0 forbids most control characters; a stray one from a web form would corrupt the .docx. */
export function cleanText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}
