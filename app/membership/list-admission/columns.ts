/**
 * Which column holds what, by Russian headers, tolerant to case, spaces, «ё», punctuation and
 * notes in brackets («Дата рождения (дд.мм.гггг)», «E-mail*», «Ф.И.О.»). The header row is the
 * first of the top rows that names at least two known columns (title rows above it are fine).
 */
import { ListFileError, type RawTable } from './parse.js';

export type ListField = 'lastName' | 'firstName' | 'middleName' | 'fullName' | 'birthDate' | 'phone' | 'email' | 'organisation' | 'position' | 'joinDate';

export const FIELD_TITLES: Record<ListField, string> = {
  lastName: 'Фамилия',
  firstName: 'Имя',
  middleName: 'Отчество',
  fullName: 'ФИО',
  birthDate: 'Дата рождения',
  phone: 'Телефон',
  email: 'E-mail',
  organisation: 'Организация',
  position: 'Должность',
  joinDate: 'Дата вступления',
};

/** Header spellings after normaliseHeader(). */
const SYNONYMS: Record<ListField, string[]> = {
  lastName: ['фамилия', 'фамилиячлена', 'фамилиясотрудника'],
  firstName: ['имя'],
  middleName: ['отчество', 'отчествоприналичии'],
  fullName: ['фио', 'фамилияимяотчество', 'фиополностью', 'фиочлена', 'фиочленапрофсоюза', 'фиосотрудника', 'фиоработника', 'фамилияиимя', 'фамилияимя'],
  birthDate: ['датарождения', 'дрождения', 'др', 'деньрождения', 'датарожд', 'рождения', 'родился', 'родилась'],
  phone: ['телефон', 'тел', 'телефонмобильный', 'мобильныйтелефон', 'мобильный', 'номертелефона', 'контактныйтелефон', 'сотовыйтелефон', 'сотовый', 'телефонмоб', 'мобтелефон', 'телмобильный', 'телмоб', 'мобтел', 'телсотовый', 'телефонсотовый', 'телефоны'],
  email: ['email', 'еmail', 'емейл', 'емэйл', 'имейл', 'емаил', 'эпочта', 'электроннаяпочта', 'адресэлектроннойпочты', 'почта', 'mail', 'emailадрес', 'адресemail'],
  organisation: [
    'организация', 'организацияпрофсоюза', 'профсоюзнаяорганизация', 'профорганизация', 'первичнаяорганизация',
    'первичнаяпрофсоюзнаяорганизация', 'цеховаяорганизация', 'цеховаяпрофсоюзнаяорганизация', 'наименованиеорганизации',
    'названиеорганизации', 'структурноеподразделениепрофсоюза',
  ],
  position: ['должность', 'профессия', 'должностьпрофессия', 'профессиядолжность', 'занимаемаядолжность'],
  joinDate: ['датавступления', 'датавступлениявпрофсоюз', 'датавступлениявчленыпрофсоюза', 'датаприема', 'датаприемавпрофсоюз', 'датаприемавчленыпрофсоюза', 'вступил', 'вступилавпрофсоюз', 'вступилвпрофсоюз'],
};

const LOOKUP = new Map<string, ListField>(Object.entries(SYNONYMS).flatMap(([field, names]) => names.map((n) => [n, field as ListField] as const)));

/** «Дата рождения (дд.мм.гггг)*» → «датарождения». */
export function normaliseHeader(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/\([^)]*\)|\[[^\]]*\]/g, '')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

export function fieldOfHeader(h: string): ListField | null {
  return LOOKUP.get(normaliseHeader(h)) ?? null;
}

export interface ColumnMap {
  /** Spreadsheet row number of the header. */
  headerRow: number;
  /** Field → column index. */
  index: Partial<Record<ListField, number>>;
  /** Field → header text as in the file. */
  header: Partial<Record<ListField, string>>;
  /** Non-empty headers that mean nothing to us (shown, not used). */
  ignored: string[];
}

const HEADER_SEARCH_ROWS = 10;

/** Finds the header row and maps the columns; throws ListFileError with what is missing. */
export function mapColumns(table: RawTable): ColumnMap {
  if (table.rows.length === 0) throw new ListFileError('В файле нет ни одной заполненной строки.');
  for (const { row, cells } of table.rows.slice(0, HEADER_SEARCH_ROWS)) {
    const index: ColumnMap['index'] = {};
    const header: ColumnMap['header'] = {};
    const ignored: string[] = [];
    cells.forEach((cell, i) => {
      if (!cell) return;
      const field = fieldOfHeader(cell);
      if (field && index[field] === undefined) {
        index[field] = i;
        header[field] = cell;
      } else {
        ignored.push(cell);
      }
    });
    if (Object.keys(index).length < 2) continue;
    const missing: string[] = [];
    const hasParts = index.lastName !== undefined && index.firstName !== undefined;
    if (!hasParts && index.fullName === undefined) {
      if (index.lastName === undefined) missing.push('«Фамилия»');
      if (index.firstName === undefined) missing.push('«Имя»');
    }
    if (index.organisation === undefined) missing.push('«Организация»');
    if (missing.length) {
      throw new ListFileError(
        `В строке заголовков (строка ${row}) нет ${missing.length === 1 ? 'колонки' : 'колонок'} ${missing.join(', ')}. Нужны колонки «Фамилия», «Имя» (или одна колонка «ФИО») и «Организация».`,
        missing.map((m) => ({ field: 'columns', message: `Нет колонки ${m}` })),
      );
    }
    return { headerRow: row, index, header, ignored };
  }
  throw new ListFileError(
    'Не найдена строка заголовков. В первой строке таблицы должны быть названия колонок: «Фамилия», «Имя», «Отчество» (или «ФИО»), «Дата рождения», «Телефон», «E-mail», «Организация», «Должность», «Дата вступления».',
  );
}

/** The header of a field as the clerk sees it. */
export const columnTitle = (map: ColumnMap, field: ListField) => map.header[field] ?? FIELD_TITLES[field];
