/**
 * The help for people who edit a template in Word (settings page → «Шаблоны документов»): for each
 * placeholder a template may use, what to type and what it stands for, in Russian.
 *
 * The list of paths comes from catalog.ts `placeholderList` (it walks the sample view, so it cannot
 * go stale); only the descriptions live here. A path without a description still appears, with an
 * empty one — a test keeps this map complete.
 */
import { placeholderList, type PlaceholderInfo, type TemplateKey } from './catalog.js';
import { CMD_DELIMITER } from './render.js';

export interface PlaceholderHelp extends PlaceholderInfo {
  /** What the placeholder stands for («ФИО заявителя в родительном падеже (от кого)»). */
  description: string;
  /** What to type in the document: `+++INS applicant.fullName+++`, or the FOR…END-FOR pair for a list. */
  usage: string;
}

const DESCRIPTIONS: Record<string, string> = {
  'applicant.fullName': 'ФИО заявителя полностью',
  'applicant.genitive': 'ФИО заявителя в родительном падеже (от кого)',
  'applicant.accusative': 'ФИО заявителя в винительном падеже (принять кого)',
  'applicant.signature': 'Инициалы и фамилия заявителя — расшифровка подписи',
  'applicant.surnameInitials': 'Фамилия и инициалы заявителя',
  'applicant.birthDate': 'Дата рождения заявителя',
  'applicant.position': 'Должность заявителя',
  'applicant.department': 'Подразделение (цех, отдел); пусто, если не указано',
  'applicant.workplace': 'Должность и подразделение через запятую',
  'applicant.phone': 'Телефон заявителя; пусто, если не указан',
  'applicant.email': 'Электронная почта заявителя; пусто, если не указана',
  'applicant.contacts': 'Телефон и электронная почта одной строкой; пусто, если их нет',
  'applicant.acquainted': '«ознакомлен» или «ознакомлена» — по полу заявителя',
  'applicant.acting': '«действующий» или «действующая» — по полу заявителя',
  'organisation.name': 'Название профсоюзной организации',
  'organisation.nameGenitive': 'Название организации в родительном падеже (председателю чего)',
  'organisation.chairmanName': 'ФИО председателя организации',
  'organisation.chairmanDative': 'Председатель в дательном падеже: инициалы и фамилия (кому)',
  'organisation.chairmanSignature': 'Инициалы и фамилия председателя — расшифровка подписи',
  'organisation.address': 'Адрес организации',
  'organisation.inn': 'ИНН организации',
  'organisation.ogrn': 'ОГРН организации',
  'organisation.website': 'Сайт или страницы организации в интернете',
  'organisation.requisites': 'ИНН, ОГРН и адрес организации одной строкой',
  'organisation.duesAccount': 'Банковские реквизиты для перечисления взносов',
  'union.name': 'Название профсоюза',
  'union.nameGenitive': 'Название профсоюза в родительном падеже (в члены чего)',
  'distribution.categories': 'Категории персональных данных — строки таблицы',
  '$c.number': 'Номер строки',
  '$c.label': 'Категория персональных данных',
  '$c.allow': 'Отметка в графе «разрешаю» (☒ или ☐)',
  '$c.deny': 'Отметка в графе «запрещаю» (☒ или ☐)',
  '$c.decision': '«разрешаю» или «запрещаю» словом',
  'distribution.allowedList': 'Разрешённые к распространению категории через точку с запятой (или «нет»)',
  'distribution.forbiddenList': 'Запрещённые категории через точку с запятой (или «нет»)',
  'distribution.conditions': 'Условия и запреты заявителя (или «не устанавливаю»)',
  'distribution.resources': 'Где организация публикует данные (информационные ресурсы)',
  'employer.name': 'Название работодателя',
  'employer.headTitleDative': 'Должность руководителя работодателя в дательном падеже (кому)',
  'employer.headDative': 'Руководитель работодателя в дательном падеже: инициалы и фамилия',
  'dues.percent': 'Размер взноса цифрами и прописью',
  'resolution.number': 'Номер постановления',
  'resolution.city': 'Место составления (город)',
  'resolution.title': '«ПОСТАНОВЛЕНИЕ» или «ВЫПИСКА ИЗ ПОСТАНОВЛЕНИЯ»',
  'resolution.isExtract': 'Да, если это выписка (для условия IF)',
  'resolution.applications': '«заявление» или «заявления» — по числу принимаемых',
  members: 'Принимаемые в члены профсоюза — по строке на каждого',
  '$m.number': 'Номер по порядку',
  '$m.fullName': 'ФИО',
  '$m.accusative': 'ФИО в винительном падеже (принять кого)',
  '$m.birthDate': 'Дата рождения',
  '$m.line': 'Вся строка списка: ФИО в винительном падеже, дата рождения, должность',
};

/** Dates come in three forms each: `<date>.numeric`, `<date>.long`, `<date>.quoted`. */
const DATES: Record<string, string> = {
  date: 'Дата заявления',
  'resolution.date': 'Дата постановления',
  'resolution.admissionDate': 'Дата приёма в члены профсоюза',
};
const DATE_FORMS: Record<string, string> = { numeric: 'цифрами', long: 'словами', quoted: 'с числом в кавычках' };

export function placeholderDescription(path: string): string {
  if (DESCRIPTIONS[path]) return DESCRIPTIONS[path];
  const m = /^(.+)\.(numeric|long|quoted)$/.exec(path);
  if (m && DATES[m[1]!]) return `${DATES[m[1]!]} ${DATE_FORMS[m[2]!]}`;
  return '';
}

const [open, close] = CMD_DELIMITER;

/** The placeholders of one template with their descriptions and what to type. */
export function placeholderHelp(key: TemplateKey): PlaceholderHelp[] {
  return placeholderList(key).map((p) => {
    // placeholderList names a list's items `$<first letter of the list>`: the FOR variable is that letter.
    const item = p.path.split('.').at(-1)!.slice(0, 1);
    const usage = p.kind === 'list' ? `${open}FOR ${item} IN ${p.path}${close} … ${open}END-FOR ${item}${close}` : `${open}INS ${p.path}${close}`;
    return { ...p, description: placeholderDescription(p.path), usage };
  });
}
