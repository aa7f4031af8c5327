/**
 * The document templates: for each key its file, Russian title, the zod schema of the data a caller
 * passes, and the "view" — the flat, already formatted strings the template's placeholders read.
 *
 *   caller data ──(schema: validate, Russian errors)──► input ──(toView: dates, cases, marks)──► view ──► docx
 *
 * Templates only ever read view paths (`+++INS applicant.fullName+++`, `+++IF applicant.phone+++`,
 * `+++FOR c IN distribution.categories+++`), never compute: see render.ts for why. The view types
 * below are the typed placeholder map: templates/src/*.ts are written against them
 * (LeafPath<View>), so a misspelt placeholder in a bundled template is a compile error.
 */
import { z } from 'zod';
import { AppError } from '../errors.js';
import {
  cleanText,
  dateLong,
  dateNumeric,
  dateQuoted,
  declineFullName,
  guessGender,
  initialsFirst,
  isIsoDate,
  normaliseSpaces,
  organisationGenitive,
  percentText,
  splitName,
  surnameFirst,
  type Gender,
} from './format.js';

// ───────────────────────────── keys ─────────────────────────────

export const TEMPLATE_KEYS = ['application-to-join', 'consent-processing', 'consent-distribution', 'dues-deduction', 'resolution'] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

/** The four documents an applicant signs (DOMAIN: stage "Новое заявление"); the resolution comes later. */
export const ADMISSION_KEYS = ['application-to-join', 'consent-processing', 'consent-distribution', 'dues-deduction'] as const satisfies readonly TemplateKey[];
export type AdmissionKey = (typeof ADMISSION_KEYS)[number];

export function isTemplateKey(v: unknown): v is TemplateKey {
  return typeof v === 'string' && (TEMPLATE_KEYS as readonly string[]).includes(v);
}

/** Categories of personal data the applicant allows or forbids to distribute (152-FZ art. 10.1). */
export const PUBLIC_CATEGORIES = ['full_name', 'birth_date', 'position', 'workplace', 'photo', 'phone', 'email'] as const;
export type PublicCategory = (typeof PUBLIC_CATEGORIES)[number];

export const PUBLIC_CATEGORY_LABELS: Record<PublicCategory, string> = {
  full_name: 'Фамилия, имя, отчество',
  birth_date: 'Дата рождения',
  position: 'Должность',
  workplace: 'Место работы (подразделение)',
  photo: 'Фотография',
  phone: 'Телефон',
  email: 'Адрес электронной почты',
};

// ───────────────────────────── input schemas ─────────────────────────────

const MISSING = 'не заполнено';

const req = (max = 300) =>
  z
    .string({ error: (iss) => (iss.input === undefined || iss.input === null ? MISSING : 'должно быть строкой') })
    .transform((s) => normaliseSpaces(cleanText(s)))
    .pipe(z.string().min(1, MISSING).max(max, `не длиннее ${max} символов`));

/** Optional text: '' and null (what CRM fields hold when empty) mean "not given". */
const opt = (max = 300) =>
  z.preprocess(
    (v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v),
    z
      .string({ error: 'должно быть строкой' })
      .transform((s) => normaliseSpaces(cleanText(s)))
      .pipe(z.string().max(max, `не длиннее ${max} символов`))
      .optional(),
  );

/** Multi-line free text (conditions of distribution): line breaks kept. */
const optMultiline = (max = 2000) =>
  z.preprocess(
    (v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v),
    z
      .string({ error: 'должно быть строкой' })
      .transform((s) => cleanText(s).trim().replace(/\r\n?/g, '\n'))
      .pipe(z.string().max(max, `не длиннее ${max} символов`))
      .optional(),
  );

const isoDate = () =>
  z
    .string({ error: (iss) => (iss.input === undefined || iss.input === null ? MISSING : 'должно быть датой ГГГГ-ММ-ДД') })
    .refine(isIsoDate, 'должно быть датой в формате ГГГГ-ММ-ДД');

const fullName = () =>
  req(200).refine((s) => s.split(' ').length >= 2, 'укажите фамилию и имя (и отчество, если есть) через пробел');

export const genderSchema = z.enum(['male', 'female']);

export const applicantSchema = z.object({
  /** "Фамилия Имя Отчество", in this order. */
  fullName: fullName(),
  birthDate: isoDate(),
  position: req(),
  /** Подразделение (цех, отдел). */
  department: opt(),
  phone: opt(50),
  email: z.preprocess((v) => (v === null || v === '' ? undefined : v), z.email('неверный адрес электронной почты').optional()),
  /** Only when the patronymic doesn't tell (for "ознакомлен/ознакомлена" and the cases of the name). */
  gender: z.preprocess((v) => (v === null || v === '' ? undefined : v), genderSchema.optional()),
  /** Declined forms, when the rules in format.ts get an unusual name wrong. */
  fullNameGenitive: opt(200),
  fullNameAccusative: opt(200),
});

export const employerSchema = z.object({
  /** The employer's name, as on the organisation's card ("ПАО «Россети Московский регион»"). */
  name: req(),
  /** Whom the dues application is addressed to, in the dative ("Генеральному директору"). Default "Руководителю". */
  headTitleDative: opt(),
  headName: opt(200),
  headNameDative: opt(200),
});

export const organisationSchema = z.object({
  /** The primary (or workshop) organisation's name as on its CRM card. */
  name: req(),
  /** For "Председателю …": when absent, derived from `name` ("Первичная … организация" → "Первичной … организации"). */
  nameGenitive: opt(),
  chairmanName: opt(200),
  chairmanNameDative: opt(200),
  /** The operator's details for the consents (152-FZ art. 9, RKN order No. 18). */
  address: opt(),
  inn: z.preprocess((v) => (v === null || v === '' ? undefined : v), z.string().regex(/^\d{10}(\d{2})?$/, 'ИНН — 10 или 12 цифр').optional()),
  ogrn: z.preprocess((v) => (v === null || v === '' ? undefined : v), z.string().regex(/^\d{13}(\d{2})?$/, 'ОГРН — 13 или 15 цифр').optional()),
  /** Where the organisation publishes (site, social networks): the "information resources" of art. 10.1 consent. */
  website: opt(),
  /** Bank details the dues go to ("р/с … в … БИК …"). */
  duesAccount: opt(500),
  employer: employerSchema.optional(),
});

export const unionSchema = z.object({
  /** "Общественная организация «Всероссийский Электропрофсоюз»". */
  name: req(),
});

export const publicCategoriesSchema = z.object(
  Object.fromEntries(PUBLIC_CATEGORIES.map((c) => [c, z.boolean({ error: 'отметьте «разрешаю» или «запрещаю»' })])) as Record<PublicCategory, z.ZodBoolean>,
);

const organisationWithEmployer = organisationSchema.extend({ employer: employerSchema });

const duesPercent = z.number({ error: 'должно быть числом' }).positive('больше нуля').max(100, 'не больше 100').default(1);

export const resolutionMemberSchema = z.object({
  fullName: fullName(),
  birthDate: isoDate().optional(),
  position: opt(),
  department: opt(),
  gender: z.preprocess((v) => (v === null || v === '' ? undefined : v), genderSchema.optional()),
  fullNameAccusative: opt(200),
});

export const SCHEMAS = {
  'application-to-join': z.object({ applicant: applicantSchema, organisation: organisationSchema, union: unionSchema, date: isoDate() }),
  'consent-processing': z.object({ applicant: applicantSchema, organisation: organisationSchema, union: unionSchema, date: isoDate() }),
  'consent-distribution': z.object({
    applicant: applicantSchema,
    organisation: organisationSchema,
    date: isoDate(),
    publicCategories: publicCategoriesSchema,
    /** Conditions and prohibitions (art. 10.1 part 9), free text. */
    distributionConditions: optMultiline(),
  }),
  'dues-deduction': z.object({ applicant: applicantSchema, organisation: organisationWithEmployer, date: isoDate(), duesPercent }),
  resolution: z.object({
    organisation: organisationSchema,
    union: unionSchema,
    resolution: z.object({
      number: req(50),
      date: isoDate(),
      /** Membership starts on this date; default: the resolution's date. */
      admissionDate: isoDate().optional(),
      city: opt(100),
      /** An extract ("выписка из постановления") rather than the resolution itself. */
      extract: z.boolean().default(false),
    }),
    members: z.array(resolutionMemberSchema, { error: MISSING }).min(1, 'нужен хотя бы один принимаемый'),
  }),
} satisfies Record<TemplateKey, z.ZodType>;

/** What a caller passes to render one template (dates YYYY-MM-DD). */
export type TemplateInput<K extends TemplateKey> = z.input<(typeof SCHEMAS)[K]>;
type Parsed<K extends TemplateKey> = z.output<(typeof SCHEMAS)[K]>;

/** One input for the four admission documents (the stage "Новое заявление"). */
export const admissionSetSchema = z.object({
  applicant: applicantSchema,
  organisation: organisationWithEmployer,
  union: unionSchema,
  /** The application's date (the portal's today). */
  date: isoDate(),
  publicCategories: publicCategoriesSchema,
  distributionConditions: optMultiline(),
  duesPercent,
});
export type AdmissionSetInput = z.input<typeof admissionSetSchema>;

// ───────────────────────────── views (the placeholder map) ─────────────────────────────

export interface DateView {
  /** "05.03.2025" */
  numeric: string;
  /** "5 марта 2025 г." */
  long: string;
  /** "«05» марта 2025 г." */
  quoted: string;
}

export interface ApplicantView {
  /** "Иванов Иван Иванович" */
  fullName: string;
  /** "Иванова Ивана Ивановича" (от кого) */
  genitive: string;
  /** "Иванова Ивана Ивановича" / "Иванову Анну Сергеевну" (принять кого) */
  accusative: string;
  /** "И.И. Иванов" (the signature's transcript) */
  signature: string;
  /** "Иванов И.И." */
  surnameInitials: string;
  /** "05.03.1990" */
  birthDate: string;
  position: string;
  department: string;
  /** "инженер, служба релейной защиты" */
  workplace: string;
  phone: string;
  email: string;
  /** "тел. +7 …, эл. почта …" or '' */
  contacts: string;
  /** "ознакомлен" / "ознакомлена" / "ознакомлен(а)" */
  acquainted: string;
  /** "действующий" / "действующая" / "действующий(ая)" (art. 9: "действуя своей волей") */
  acting: string;
}

export interface OrganisationView {
  name: string;
  /** "Первичной профсоюзной организации …" */
  nameGenitive: string;
  chairmanName: string;
  /** "П.П. Петрову" or '' */
  chairmanDative: string;
  /** "П.П. Петров" or '' */
  chairmanSignature: string;
  address: string;
  inn: string;
  ogrn: string;
  website: string;
  /** "ИНН …, ОГРН …, адрес: …" or '' */
  requisites: string;
  /** Bank details or '' */
  duesAccount: string;
}

export interface EmployerView {
  name: string;
  /** "Генеральному директору" / "Руководителю" */
  headTitleDative: string;
  /** "С.С. Сидорову" or '' */
  headDative: string;
}

export interface UnionView {
  name: string;
  /** "Общественной организации «Всероссийский Электропрофсоюз»" (принять в члены чего) */
  nameGenitive: string;
}

export interface CategoryRowView {
  number: string;
  label: string;
  /** "☒" or "☐" */
  allow: string;
  deny: string;
  /** "разрешаю" / "запрещаю" */
  decision: string;
}

export interface MemberRowView {
  number: string;
  fullName: string;
  accusative: string;
  birthDate: string;
  /** "Иванову Анну Сергеевну, 05.03.1990 г. р. — инженер, служба …": the whole line of the list */
  line: string;
}

export interface ApplicationToJoinView {
  applicant: ApplicantView;
  organisation: OrganisationView;
  union: UnionView;
  date: DateView;
}
export type ConsentProcessingView = ApplicationToJoinView;

export interface ConsentDistributionView {
  applicant: ApplicantView;
  organisation: OrganisationView;
  date: DateView;
  distribution: {
    categories: CategoryRowView[];
    /** "Фамилия, имя, отчество; должность" or "нет" */
    allowedList: string;
    forbiddenList: string;
    /** Free text or "не устанавливаю" */
    conditions: string;
    /** Where the data are published */
    resources: string;
  };
}

export interface DuesDeductionView {
  applicant: ApplicantView;
  organisation: OrganisationView;
  employer: EmployerView;
  date: DateView;
  dues: { percent: string };
}

export interface ResolutionView {
  organisation: OrganisationView;
  union: UnionView;
  resolution: {
    number: string;
    date: DateView;
    admissionDate: DateView;
    city: string;
    /** "ПОСТАНОВЛЕНИЕ" / "ВЫПИСКА ИЗ ПОСТАНОВЛЕНИЯ" */
    title: string;
    isExtract: boolean;
    /** "заявление" / "заявления" (one or several members) */
    applications: string;
  };
  members: MemberRowView[];
}

export interface ViewOf {
  'application-to-join': ApplicationToJoinView;
  'consent-processing': ConsentProcessingView;
  'consent-distribution': ConsentDistributionView;
  'dues-deduction': DuesDeductionView;
  resolution: ResolutionView;
}

type Scalar = string | number | boolean;
/** Dotted paths to the scalar leaves of a view: the placeholders a template may INS or IF on. */
export type LeafPath<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends Scalar ? `${P}${K}` : T[K] extends readonly unknown[] ? never : LeafPath<T[K], `${P}${K}.`>;
}[keyof T & string];
/** Dotted paths to the lists of a view: what a template may FOR over. */
export type ListPath<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[] ? `${P}${K}` : T[K] extends Scalar ? never : ListPath<T[K], `${P}${K}.`>;
}[keyof T & string];
export type ItemAt<T, P extends string> = P extends `${infer H}.${infer R}` ? (H extends keyof T ? ItemAt<T[H], R> : never) : P extends keyof T ? (T[P] extends readonly (infer I)[] ? I : never) : never;

// ───────────────────────────── input → view ─────────────────────────────

type ApplicantIn = z.output<typeof applicantSchema>;
type OrganisationIn = z.output<typeof organisationSchema>;

function unionView(u: z.output<typeof unionSchema>): UnionView {
  return { name: u.name, nameGenitive: organisationGenitive(u.name) };
}

const wordsFor = (g: Gender | null, male: string, female: string, unknown: string) => (g === 'male' ? male : g === 'female' ? female : unknown);

export function dateView(iso: string): DateView {
  return { numeric: dateNumeric(iso), long: dateLong(iso), quoted: dateQuoted(iso) };
}

export function applicantView(a: ApplicantIn): ApplicantView {
  const g = a.gender ?? guessGender(splitName(a.fullName));
  const contacts = [a.phone ? `тел. ${a.phone}` : '', a.email ? `эл. почта ${a.email}` : ''].filter(Boolean).join(', ');
  return {
    fullName: a.fullName,
    genitive: a.fullNameGenitive ?? declineFullName(a.fullName, 'gen', g),
    accusative: a.fullNameAccusative ?? declineFullName(a.fullName, 'acc', g),
    signature: initialsFirst(a.fullName),
    surnameInitials: surnameFirst(a.fullName),
    birthDate: dateNumeric(a.birthDate),
    position: a.position,
    department: a.department ?? '',
    workplace: [a.position, a.department].filter(Boolean).join(', '),
    phone: a.phone ?? '',
    email: a.email ?? '',
    contacts,
    acquainted: wordsFor(g, 'ознакомлен', 'ознакомлена', 'ознакомлен(а)'),
    acting: wordsFor(g, 'действующий', 'действующая', 'действующий(ая)'),
  };
}

export function organisationView(o: OrganisationIn): OrganisationView {
  const chairman = o.chairmanName ?? '';
  const requisites = [o.inn ? `ИНН ${o.inn}` : '', o.ogrn ? `ОГРН ${o.ogrn}` : '', o.address ? `адрес: ${o.address}` : ''].filter(Boolean).join(', ');
  return {
    name: o.name,
    nameGenitive: o.nameGenitive ?? organisationGenitive(o.name),
    chairmanName: chairman,
    chairmanDative: o.chairmanNameDative ?? (chairman ? initialsFirst(chairman, 'dat') : ''),
    chairmanSignature: chairman ? initialsFirst(chairman) : '',
    address: o.address ?? '',
    inn: o.inn ?? '',
    ogrn: o.ogrn ?? '',
    website: o.website ?? '',
    requisites,
    duesAccount: o.duesAccount ?? '',
  };
}

function employerView(e: z.output<typeof employerSchema>): EmployerView {
  return {
    name: e.name,
    headTitleDative: e.headTitleDative ?? 'Руководителю',
    headDative: e.headNameDative ?? (e.headName ? initialsFirst(e.headName, 'dat') : ''),
  };
}

const CHECKED = '☒';
const UNCHECKED = '☐';

function distributionView(cats: Record<PublicCategory, boolean>, conditions: string | undefined, o: OrganisationIn): ConsentDistributionView['distribution'] {
  const allowed = PUBLIC_CATEGORIES.filter((c) => cats[c]).map((c) => PUBLIC_CATEGORY_LABELS[c]);
  const forbidden = PUBLIC_CATEGORIES.filter((c) => !cats[c]).map((c) => PUBLIC_CATEGORY_LABELS[c]);
  return {
    categories: PUBLIC_CATEGORIES.map((c, i) => ({
      number: String(i + 1),
      label: PUBLIC_CATEGORY_LABELS[c],
      allow: cats[c] ? CHECKED : UNCHECKED,
      deny: cats[c] ? UNCHECKED : CHECKED,
      decision: cats[c] ? 'разрешаю' : 'запрещаю',
    })),
    allowedList: allowed.length ? allowed.join('; ') : 'нет',
    forbiddenList: forbidden.length ? forbidden.join('; ') : 'нет',
    conditions: conditions ?? 'не устанавливаю',
    resources: [o.website, 'информационные стенды организации'].filter(Boolean).join('; '),
  };
}

function memberLine(m: z.output<typeof resolutionMemberSchema>, accusative: string): string {
  const who = [accusative, m.birthDate ? `${dateNumeric(m.birthDate)} г.\u00a0р.` : ''].filter(Boolean).join(', ');
  const work = [m.position, m.department].filter(Boolean).join(', ');
  return work ? `${who} — ${work}` : who;
}

const VIEW_BUILDERS: { [K in TemplateKey]: (d: Parsed<K>) => ViewOf[K] } = {
  'application-to-join': (d) => ({ applicant: applicantView(d.applicant), organisation: organisationView(d.organisation), union: unionView(d.union), date: dateView(d.date) }),
  'consent-processing': (d) => ({ applicant: applicantView(d.applicant), organisation: organisationView(d.organisation), union: unionView(d.union), date: dateView(d.date) }),
  'consent-distribution': (d) => ({
    applicant: applicantView(d.applicant),
    organisation: organisationView(d.organisation),
    date: dateView(d.date),
    distribution: distributionView(d.publicCategories, d.distributionConditions, d.organisation),
  }),
  'dues-deduction': (d) => ({
    applicant: applicantView(d.applicant),
    organisation: organisationView(d.organisation),
    employer: employerView(d.organisation.employer),
    date: dateView(d.date),
    dues: { percent: percentText(d.duesPercent) },
  }),
  resolution: (d) => ({
    organisation: organisationView(d.organisation),
    union: unionView(d.union),
    resolution: {
      number: d.resolution.number,
      date: dateView(d.resolution.date),
      admissionDate: dateView(d.resolution.admissionDate ?? d.resolution.date),
      city: d.resolution.city ?? '',
      title: d.resolution.extract ? 'ВЫПИСКА ИЗ ПОСТАНОВЛЕНИЯ' : 'ПОСТАНОВЛЕНИЕ',
      isExtract: d.resolution.extract,
      applications: d.members.length > 1 ? 'заявления' : 'заявление',
    },
    members: d.members.map((m, i) => {
      const acc = m.fullNameAccusative ?? declineFullName(m.fullName, 'acc', m.gender ?? null);
      return { number: String(i + 1), fullName: m.fullName, accusative: acc, birthDate: m.birthDate ? dateNumeric(m.birthDate) : '', line: memberLine(m, acc) };
    }),
  }),
};

// ───────────────────────────── validation ─────────────────────────────

/** Russian names of the fields, for messages people read (the workflow log, the settings page). */
const FIELD_LABELS: Record<string, string> = {
  'applicant.fullName': 'ФИО заявителя',
  'applicant.birthDate': 'дата рождения',
  'applicant.position': 'должность',
  'applicant.department': 'подразделение',
  'applicant.phone': 'телефон',
  'applicant.email': 'адрес электронной почты',
  'applicant.gender': 'пол',
  'organisation.name': 'название организации',
  'organisation.inn': 'ИНН организации',
  'organisation.ogrn': 'ОГРН организации',
  'organisation.employer': 'работодатель',
  'organisation.employer.name': 'название работодателя',
  union: 'профсоюз',
  'union.name': 'название профсоюза',
  date: 'дата заявления',
  publicCategories: 'согласие на распространение',
  duesPercent: 'размер взноса',
  'resolution.number': 'номер постановления',
  'resolution.date': 'дата постановления',
  'resolution.admissionDate': 'дата приёма',
  members: 'принимаемые в члены профсоюза',
};

function labelOf(path: string): string {
  if (FIELD_LABELS[path]) return FIELD_LABELS[path];
  const cat = /^publicCategories\.(\w+)$/.exec(path)?.[1];
  if (cat && cat in PUBLIC_CATEGORY_LABELS) return `распространение: ${PUBLIC_CATEGORY_LABELS[cat as PublicCategory].toLowerCase()}`;
  const member = /^members\.(\d+)\.(\w+)$/.exec(path);
  if (member) return `принимаемый № ${Number(member[1]) + 1}: ${FIELD_LABELS[`applicant.${member[2]}`] ?? member[2]}`;
  return path;
}

export interface FieldProblem {
  /** Dotted path in the caller's data ("applicant.birthDate"). */
  field: string;
  label: string;
  message: string;
}

/**
 * The data for a document is incomplete or wrong. The app's error codes are a closed set (app/errors.ts),
 * so this is VALIDATION_FAILED with `details.reason = 'TEMPLATE_DATA_INVALID'` and the fields listed.
 */
export class TemplateDataError extends AppError {
  readonly reason = 'TEMPLATE_DATA_INVALID' as const;
  readonly template: string;
  readonly fields: FieldProblem[];
  constructor(template: string, title: string, fields: FieldProblem[]) {
    super(
      'VALIDATION_FAILED',
      `Недостаточно данных для документа «${title}»: ${fields.map((f) => `${f.label} (${f.field}) — ${f.message}`).join('; ')}`,
      { reason: 'TEMPLATE_DATA_INVALID', template, fields },
    );
    this.name = 'TemplateDataError';
    this.template = template;
    this.fields = fields;
  }
}

function problems(err: z.ZodError): FieldProblem[] {
  return err.issues.map((i) => {
    const field = i.path.map(String).join('.') || '(данные)';
    return { field, label: labelOf(field), message: i.message };
  });
}

function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, key: string, title: string): z.output<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw new TemplateDataError(key, title, problems(r.error));
  return r.data;
}

// ───────────────────────────── the catalog ─────────────────────────────

export interface TemplateInfo<K extends TemplateKey = TemplateKey> {
  key: K;
  /** File name of the bundled template (templates/<file>) and of a portal's override in its app storage. */
  file: string;
  title: string;
  /** Title for the generated file's name (shorter). */
  shortTitle: string;
  schema: (typeof SCHEMAS)[K];
}

const info = <K extends TemplateKey>(key: K, title: string, shortTitle: string): TemplateInfo<K> => ({ key, file: `${key}.docx`, title, shortTitle, schema: SCHEMAS[key] });

export const CATALOG: { [K in TemplateKey]: TemplateInfo<K> } = {
  'application-to-join': info('application-to-join', 'Заявление о вступлении в члены профсоюза', 'Заявление о вступлении в профсоюз'),
  'consent-processing': info('consent-processing', 'Согласие на обработку персональных данных', 'Согласие на обработку ПДн'),
  'consent-distribution': info('consent-distribution', 'Согласие на обработку персональных данных, разрешённых для распространения', 'Согласие на распространение ПДн'),
  'dues-deduction': info('dues-deduction', 'Заявление об удержании членских профсоюзных взносов', 'Заявление об удержании взносов'),
  resolution: info('resolution', 'Постановление профкома о приёме в члены профсоюза', 'Постановление о приёме'),
};

/** Validate a caller's data for one template and turn it into the template's view. */
export function buildView<K extends TemplateKey>(key: K, data: unknown): ViewOf[K] {
  const parsed = parseOrThrow(SCHEMAS[key], data, key, CATALOG[key].title) as Parsed<K>;
  return (VIEW_BUILDERS[key] as (d: Parsed<K>) => ViewOf[K])(parsed);
}

/** Validate the admission set once; the data for each of the four documents. */
export function admissionInputs(data: unknown): { [K in AdmissionKey]: TemplateInput<K> } {
  const d = parseOrThrow(admissionSetSchema, data, 'admission-set', 'Документы для вступления в профсоюз');
  const base = { applicant: d.applicant, organisation: d.organisation, date: d.date };
  return {
    'application-to-join': { ...base, union: d.union },
    'consent-processing': { ...base, union: d.union },
    'consent-distribution': { ...base, publicCategories: d.publicCategories, distributionConditions: d.distributionConditions },
    'dues-deduction': { ...base, duesPercent: d.duesPercent },
  };
}

// ───────────────────────────── sample data ─────────────────────────────

const SAMPLE_ORGANISATION = {
  name: 'Первичная профсоюзная организация ПАО «Энергосеть»',
  chairmanName: 'Петров Пётр Петрович',
  address: '123456, г. Москва, ул. Энергетиков, д. 1',
  inn: '7700000000',
  ogrn: '1027700000000',
  website: 'https://profsoyuz.example.ru',
  duesAccount: 'р/с 40703810000000000001 в ПАО «Банк», БИК 044525000, к/с 30101810400000000225',
  employer: { name: 'ПАО «Энергосеть»', headTitleDative: 'Генеральному директору', headName: 'Сидоров Сергей Сергеевич' },
} satisfies z.input<typeof organisationWithEmployer>;

const SAMPLE_UNION = { name: 'Общественная организация «Всероссийский Электропрофсоюз»' };

const SAMPLE_APPLICANT = {
  fullName: 'Иванова Анна Сергеевна',
  birthDate: '1990-03-05',
  position: 'инженер',
  department: 'служба релейной защиты и автоматики',
  phone: '+7 900 123-45-67',
  email: 'ivanova@example.ru',
} satisfies z.input<typeof applicantSchema>;

const SAMPLE_CATEGORIES: Record<PublicCategory, boolean> = { full_name: true, birth_date: false, position: true, workplace: true, photo: true, phone: false, email: false };

/** Complete sample data: used to check an uploaded template renders, by tests and by the benchmark. */
export const SAMPLE_ADMISSION: AdmissionSetInput = {
  applicant: SAMPLE_APPLICANT,
  organisation: SAMPLE_ORGANISATION,
  union: SAMPLE_UNION,
  date: '2025-09-15',
  publicCategories: SAMPLE_CATEGORIES,
  distributionConditions: 'Фотографию разрешаю размещать только на информационных стендах организации.',
  duesPercent: 1,
};

export const SAMPLE_DATA: { [K in TemplateKey]: TemplateInput<K> } = {
  'application-to-join': { applicant: SAMPLE_APPLICANT, organisation: SAMPLE_ORGANISATION, union: SAMPLE_UNION, date: '2025-09-15' },
  'consent-processing': { applicant: SAMPLE_APPLICANT, organisation: SAMPLE_ORGANISATION, union: SAMPLE_UNION, date: '2025-09-15' },
  'consent-distribution': {
    applicant: SAMPLE_APPLICANT,
    organisation: SAMPLE_ORGANISATION,
    date: '2025-09-15',
    publicCategories: SAMPLE_CATEGORIES,
    distributionConditions: SAMPLE_ADMISSION.distributionConditions,
  },
  'dues-deduction': { applicant: SAMPLE_APPLICANT, organisation: SAMPLE_ORGANISATION, date: '2025-09-15', duesPercent: 1 },
  resolution: {
    organisation: SAMPLE_ORGANISATION,
    union: SAMPLE_UNION,
    resolution: { number: '12', date: '2025-10-01', city: 'г. Москва' },
    members: [{ fullName: SAMPLE_APPLICANT.fullName, birthDate: SAMPLE_APPLICANT.birthDate, position: SAMPLE_APPLICANT.position, department: SAMPLE_APPLICANT.department }],
  },
};

export interface PlaceholderInfo {
  /** What to write in a template: `+++INS applicant.fullName+++`, `+++FOR c IN distribution.categories+++`. */
  path: string;
  kind: 'value' | 'list';
  /** The value with the sample data, for the settings page's help. */
  example: string;
}

/** The placeholders a template may use, with examples (walks the sample view, so it can't go stale). */
export function placeholderList(key: TemplateKey): PlaceholderInfo[] {
  const out: PlaceholderInfo[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      out.push({ path, kind: 'list', example: `${v.length} эл.` });
      const varName = path.split('.').at(-1)!.slice(0, 1);
      if (v[0] && typeof v[0] === 'object') for (const [k, x] of Object.entries(v[0])) walk(x, `$${varName}.${k}`);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    } else {
      out.push({ path, kind: 'value', example: String(v).replace(/\u00a0/g, ' ') });
    }
  };
  walk(buildView(key, SAMPLE_DATA[key]), '');
  return out;
}
