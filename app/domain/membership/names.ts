/**
 * Normalised keys for duplicate search (DOMAIN.md "Members: duplicates") and the contact details
 * that back the hints. Pure.
 *
 * The name key is what the app writes into the contact field `contact.nameKey` and filters on:
 * two spellings of one person's name must give the same key, so
 * - Unicode is NFKC-normalised (decomposed «й»/«ё», non-breaking and other odd spaces),
 * - Latin look-alike letters inside a Cyrillic word become Cyrillic (a typed «Иванoв» with a Latin
 *   «o» is the same Иванов),
 * - case is dropped and «ё» becomes «е»,
 * - every dash (hyphen, en/em dash, minus …) counts as a space: «Петрова-Водкина» and «Петрова Водкина»
 *   are one surname written two ways, so they must match,
 * - runs of whitespace become one space, and the ends are trimmed.
 * Dots and apostrophes are kept: «Д'Артаньян» is not «Д Артаньян».
 */

const DASHES = /[\u002D\u00AD\u058A\u05BE\u2010-\u2015\u2212\u2E3A\u2E3B\uFE58\uFE63\uFF0D]/g;
const CYRILLIC = /[\u0400-\u04FF]/;

/** Latin letters that look like Cyrillic ones (upper and lower case kept apart: «b» is not «в»). */
const HOMOGLYPHS: Record<string, string> = {
  A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', Y: 'У',
  a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у',
};

/** In a word that has Cyrillic letters, Latin look-alikes are typing slips: make them Cyrillic. */
function fixMixedScript(word: string): string {
  if (!CYRILLIC.test(word) || !/[A-Za-z]/.test(word)) return word;
  return word.replace(/[A-Za-z]/g, (ch) => HOMOGLYPHS[ch] ?? ch);
}

/** One part of a name (or a whole name) in its comparable form. */
export function normaliseNamePart(value: string | null | undefined): string {
  if (!value) return '';
  return value
    .normalize('NFKC')
    .replace(DASHES, ' ')
    .split(/\s+/u)
    .map(fixMixedScript)
    .join(' ')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** «Петрова-Водкина», «Анна», «Сергеевна» → «петрова водкина анна сергеевна». Empty parts are left out. */
export function normaliseFullName(last: string | null | undefined, first: string | null | undefined, middle?: string | null): string {
  return [last, first, middle].map(normaliseNamePart).filter(Boolean).join(' ');
}

/** The field holds at most this much; real names are far shorter. */
export const NAME_KEY_MAX_LENGTH = 255;

/** The value written into `contact.nameKey` ('' when there is no name at all). */
export function nameKeyOf(last: string | null | undefined, first: string | null | undefined, middle?: string | null): string {
  return normaliseFullName(last, first, middle).slice(0, NAME_KEY_MAX_LENGTH);
}

/**
 * A phone number as `+<digits>`: Russian numbers as +7XXXXXXXXXX from «8 (912) 345-67-89»,
 * «+7 912 345 67 89», «7-912-…», «9123456789», «(812) 123-45-67»; other countries keep their code when written with «+».
 * An extension («доб. 12», «ext 12», «#12») is dropped. Returns null when it is not a phone number.
 */
export function normalisePhone(raw: string | number | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  let text = String(raw).normalize('NFKC').trim();
  if (!text) return null;
  text = text.split(/\s*(?:доб\.?|добавочный|ext\.?|extension|#)\s*/iu)[0] ?? '';
  if (/[^\d\s()+\-.]/.test(text)) return null; // letters or other marks left: not a phone
  const plus = text.startsWith('+');
  const digits = text.replace(/\D/g, '');
  if (!plus) {
    if (digits.length === 11 && (digits.startsWith('8') || digits.startsWith('7'))) return `+7${digits.slice(1)}`;
    // Ten digits without a country code: mobile 9xx, landline 3xx/4xx/8xx (812 …).
    if (digits.length === 10 && /^[3489]/.test(digits)) return `+7${digits}`;
    return null;
  }
  if (digits.startsWith('7')) return digits.length === 11 ? `+${digits}` : null;
  return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : null;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/u;

/** Lower case, trimmed, without a `mailto:` prefix; null when it is not an e-mail address. */
export function normaliseEmail(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const text = raw.normalize('NFKC').trim().replace(/^mailto:/i, '').toLowerCase();
  if (!text || text.length > 254 || !EMAIL.test(text) || text.includes('..')) return null;
  return text;
}

/** Splits «Фамилия Имя Отчество» written in one cell; everything after the name is the patronymic («Мамед оглы»). */
export function splitFullName(raw: string | null | undefined): { last: string; first: string; middle: string } | null {
  const words = (raw ?? '').normalize('NFKC').replace(/\s+/gu, ' ').trim().split(' ').filter(Boolean);
  if (words.length < 2) return null;
  return { last: words[0]!, first: words[1]!, middle: words.slice(2).join(' ') };
}
