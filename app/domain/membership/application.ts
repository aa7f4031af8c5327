/**
 * The public application to join the union: one schema for the browser page and the server, with
 * Russian messages per field. Pure (zod only) so that the frontend can import it as it is.
 *
 * Normalises on the way: names trimmed with single spaces (all-lower or all-upper input gets
 * capitals), phone to +7XXXXXXXXXX, e-mail lower-cased, birth date (ДД.ММ.ГГГГ or YYYY-MM-DD) to
 * YYYY-MM-DD and checked to be 14–100 years before "today" (the portal's today on the server).
 */
import { z } from 'zod';

/**
 * Categories of personal data the applicant may allow to be distributed (152-FZ art. 10.1).
 * Keys are the xml ids of the deal field `deal.publicCategories` in manifest.json (a unit test
 * keeps the two lists equal).
 */
export const PUBLIC_CATEGORIES = [
  { key: 'full_name', label: 'Фамилия, имя, отчество' },
  { key: 'birth_date', label: 'Дата рождения' },
  { key: 'position', label: 'Должность' },
  { key: 'workplace', label: 'Место работы (подразделение)' },
  { key: 'photo', label: 'Фотография' },
  { key: 'phone', label: 'Телефон' },
  { key: 'email', label: 'Адрес электронной почты' },
] as const;
export type PublicCategory = (typeof PUBLIC_CATEGORIES)[number]['key'];
const CATEGORY_KEYS = PUBLIC_CATEGORIES.map((c) => c.key) as [PublicCategory, ...PublicCategory[]];

export const MIN_AGE = 14;
export const MAX_AGE = 100;

/** The form's field names, in the order the page shows them (also the `field` of error details). */
export const APPLICATION_FIELDS = [
  'lastName',
  'firstName',
  'middleName',
  'birthDate',
  'phone',
  'email',
  'orgId',
  'position',
  'consentProcessing',
  'consentDistribution',
  'publicCategories',
] as const;
export type ApplicationField = (typeof APPLICATION_FIELDS)[number];

// ── normalisers (exported for tests and the page's live formatting) ──────────────────────────

/** Trim, single spaces, no spaces around hyphens; ALL-CAPS or all-lower input gets a capital per part. */
export function normaliseName(raw: string): string {
  const s = raw
    .normalize('NFC')
    .replace(/[\s\u00a0]+/g, ' ')
    .replace(/\s*([-‐‑–—])\s*/g, '-')
    .replace(/[’`ʼ]/g, "'")
    .trim();
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return s;
  return s.toLowerCase().replace(/(^|[ \-'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

/** Trim and single spaces (free text like a position). */
export const collapseSpaces = (raw: string) => raw.normalize('NFC').replace(/[\s\u00a0]+/g, ' ').trim();

/** `8 (912) 345-67-89`, `+7 912 3456789`, `9123456789` → `+79123456789`; null when it is not a Russian number. */
export function normalisePhone(raw: string): string | null {
  const s = raw.trim();
  if (!/^\+?[\d\s().-]+$/.test(s)) return null;
  const digits = s.replace(/\D/g, '');
  let national: string;
  if (digits.length === 11 && (digits[0] === '7' || digits[0] === '8')) national = digits.slice(1);
  else if (digits.length === 10 && !s.startsWith('+')) national = digits;
  else return null;
  // Russian numbers start with 3, 4, 8 (fixed lines, 800) or 9 (mobile).
  if (!/^[3489]/.test(national)) return null;
  return `+7${national}`;
}

/** `ДД.ММ.ГГГГ` or `YYYY-MM-DD` → `YYYY-MM-DD` when it is a real date; null otherwise. */
export function normaliseDate(raw: string): string | null {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s);
    if (!m) return null;
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Full years between two YYYY-MM-DD dates (a birthday on 29 February counts from 1 March in other years). */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  let age = ty - by;
  if (tm < bm || (tm === bm && td < bd)) age -= 1;
  return age;
}

const EMAIL = /^[^\s@"(),:;<>[\]\\]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}$/u;

// ── the schema ───────────────────────────────────────────────────────────────────────────────

const NAME_CHARS = /^\p{L}[\p{L} '\-.]*$/u;

function personName(what: string, required: boolean) {
  const base = z
    .string({ error: required ? `Укажите ${what}` : `Проверьте ${what}` })
    .transform(normaliseName)
    .pipe(
      z
        .string()
        .max(60, { error: `Слишком длинно: не больше 60 символов` })
        .refine((s) => s === '' || NAME_CHARS.test(s), { error: 'Допустимы только буквы, пробел, дефис и апостроф' }),
    );
  if (!required) return base.optional().transform((s) => s ?? '');
  return base.pipe(z.string().min(1, { error: `Укажите ${what}` }));
}

/** The per-field schemas; `today` is YYYY-MM-DD (the portal's date on the server, the device's in the browser). */
export function applicationFieldSchemas(today: string) {
  return {
    lastName: personName('фамилию', true),
    firstName: personName('имя', true),
    middleName: personName('отчество', false),
    birthDate: z
      .string({ error: 'Укажите дату рождения' })
      .trim()
      .min(1, { error: 'Укажите дату рождения' })
      .transform((s, ctx) => {
        const iso = normaliseDate(s);
        if (!iso) {
          ctx.addIssue({ code: 'custom', message: 'Введите дату рождения в формате ДД.ММ.ГГГГ' });
          return z.NEVER;
        }
        const age = ageOn(iso, today);
        if (iso > today) ctx.addIssue({ code: 'custom', message: 'Дата рождения не может быть в будущем' });
        else if (age < MIN_AGE) ctx.addIssue({ code: 'custom', message: `Вступить в профсоюз можно с ${MIN_AGE} лет` });
        else if (age > MAX_AGE) ctx.addIssue({ code: 'custom', message: 'Проверьте год рождения' });
        return iso;
      }),
    phone: z
      .string({ error: 'Укажите телефон' })
      .trim()
      .min(1, { error: 'Укажите телефон' })
      .transform((s, ctx) => {
        const phone = normalisePhone(s);
        if (!phone) {
          ctx.addIssue({ code: 'custom', message: 'Введите российский номер: +7 и 10 цифр, например +7 912 345-67-89' });
          return z.NEVER;
        }
        return phone;
      }),
    email: z
      .string({ error: 'Укажите адрес электронной почты' })
      .trim()
      .toLowerCase()
      .min(1, { error: 'Укажите адрес электронной почты' })
      .max(254, { error: 'Слишком длинный адрес' })
      .refine((s) => EMAIL.test(s), { error: 'Проверьте адрес электронной почты: например, ivanova@mail.ru' }),
    orgId: z.coerce
      .number({ error: 'Выберите организацию из списка' })
      .int({ error: 'Выберите организацию из списка' })
      .positive({ error: 'Выберите организацию из списка' }),
    position: z
      .string({ error: 'Укажите должность' })
      .transform(collapseSpaces)
      .pipe(z.string().min(2, { error: 'Укажите должность' }).max(120, { error: 'Слишком длинно: не больше 120 символов' })),
    consentProcessing: z.literal(true, { error: 'Без согласия на обработку персональных данных заявление не может быть принято' }),
    consentDistribution: z.boolean({ error: 'Отметьте или снимите отметку' }).default(false),
    publicCategories: z
      .array(z.enum(CATEGORY_KEYS, { error: 'Неизвестная категория данных' }), { error: 'Неверный список категорий' })
      .max(CATEGORY_KEYS.length)
      .default([]),
  };
}

export const idempotencyKeySchema = z.string({ error: 'Обновите страницу и отправьте заявление ещё раз' }).regex(/^[A-Za-z0-9_-]{16,64}$/, { error: 'Обновите страницу и отправьте заявление ещё раз' });

export function applicationSchema(today: string) {
  return z
    .object({ ...applicationFieldSchemas(today), idempotencyKey: idempotencyKeySchema })
    .transform(({ publicCategories, ...rest }) => ({
      ...rest,
      // Categories count only with the consent to distribution; kept in the manifest's order, once each.
      publicCategories: rest.consentDistribution ? CATEGORY_KEYS.filter((k) => publicCategories.includes(k)) : [],
    }));
}

export type Application = z.output<ReturnType<typeof applicationSchema>>;
/** What the page sends (before normalisation). */
export type ApplicationInput = z.input<ReturnType<typeof applicationSchema>>;

export interface FieldIssue {
  field: string;
  message: string;
}

/** One message per field (the first), in the form's order: what the API returns as `details`. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const out = new Map<string, string>();
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!out.has(field)) out.set(field, issue.message);
  }
  const order = (f: string) => {
    const i = (APPLICATION_FIELDS as readonly string[]).indexOf(f);
    return i < 0 ? APPLICATION_FIELDS.length : i;
  };
  return [...out.entries()].sort((a, b) => order(a[0]) - order(b[0])).map(([field, message]) => ({ field, message }));
}

/** Checks one field as the page does on blur; null when it is fine. */
export function checkField(field: ApplicationField, value: unknown, today: string): string | null {
  const schema = applicationFieldSchemas(today)[field];
  const r = schema.safeParse(value);
  return r.success ? null : (r.error.issues[0]?.message ?? 'Проверьте значение');
}

/** "Заявление о вступлении: Иванова М. П." */
export function dealTitle(a: Pick<Application, 'lastName' | 'firstName' | 'middleName'>): string {
  const initial = (s: string) => (s ? `${[...s][0]!.toUpperCase()}.` : '');
  return `Заявление о вступлении: ${[a.lastName, initial(a.firstName), initial(a.middleName)].filter(Boolean).join(' ')}`;
}

/** `+79123456789` → `+7 912 345-67-89` */
export function formatPhone(phone: string): string {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(phone);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : phone;
}
