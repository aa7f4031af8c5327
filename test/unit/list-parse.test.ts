import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { fieldOfHeader, mapColumns } from '../../app/membership/list-admission/columns.js';
import { normaliseOrgTitle, OrganisationIndex } from '../../app/membership/list-admission/organisations.js';
import { decodeText, detectDelimiter, ListFileError, readListFile } from '../../app/membership/list-admission/parse.js';
import { buildPlan, validateOptions } from '../../app/membership/list-admission/plan.js';
import { csvCell, reportCsv } from '../../app/membership/list-admission/report.js';
import { excelSerialDate, parseRuDate, readRows } from '../../app/membership/list-admission/rows.js';
import type { PreviewRow } from '../../app/membership/list-admission/types.js';

const TODAY = '2025-06-16';

/** Windows-1251, as Russian Excel saves «CSV (разделители — точки с запятой)». */
function cp1251(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c >= 0x410 && c <= 0x44f) out.push(c - 0x410 + 0xc0);
    else if (c === 0x401) out.push(0xa8);
    else if (c === 0x451) out.push(0xb8);
    else if (c === 0x2116) out.push(0xb9);
    else if (c === 0xab) out.push(0xab);
    else if (c === 0xbb) out.push(0xbb);
    else throw new Error(`no cp1251 for ${ch}`);
  }
  return Buffer.from(out);
}

const HEADER = 'Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Организация;Должность;Дата вступления';

async function read(buf: Buffer, name = 'list.csv') {
  const table = await readListFile(buf, name);
  const map = mapColumns(table);
  return { table, map, rows: readRows(table, map, { today: TODAY }) };
}

describe('reading CSV', () => {
  it('reads Windows-1251 with «;» (Russian Excel) and keeps spreadsheet row numbers', async () => {
    const text = [HEADER, 'Семёнова;Алёна;Петровна;05.03.1985;8 (912) 345-67-89;Alena@Mail.ru;ППО «Завод»;Слесарь;01.02.2020', '', 'Петрова-Водкина;Анна;;1990-12-31;;;Цех №1;;'].join('\r\n');
    const { table, map, rows } = await read(cp1251(text));
    expect(table.encoding).toBe('windows-1251');
    expect(table.delimiter).toBe(';');
    expect(map.headerRow).toBe(1);
    expect(rows.map((r) => r.row)).toEqual([2, 4]); // the blank line 3 is skipped but counted
    expect(rows[0]).toMatchObject({
      lastName: 'Семёнова',
      firstName: 'Алёна',
      middleName: 'Петровна',
      birthDate: '1985-03-05',
      phone: '+79123456789',
      email: 'alena@mail.ru',
      organisation: 'ППО «Завод»',
      position: 'Слесарь',
      joinDate: '2020-02-01',
      nameKey: 'семенова алена петровна',
      errors: [],
    });
    expect(rows[1]).toMatchObject({ lastName: 'Петрова-Водкина', birthDate: '1990-12-31', nameKey: 'петрова водкина анна', errors: [] });
  });

  it('reads UTF-8 with «,» and quoted cells holding commas and line breaks', async () => {
    const text = 'Фамилия,Имя,Отчество,Организация,Должность\nИванов,Иван,Иванович,"Цех № 1","Мастер, участок ""А"""\n"Сидорова",Ольга,,Цех № 1,"многострочная\nдолжность"\n';
    const { table, rows } = await read(Buffer.from(text, 'utf8'));
    expect(table.encoding).toBe('utf-8');
    expect(table.delimiter).toBe(',');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.position).toBe('Мастер, участок "А"');
    expect(rows[1]!.position).toBe('многострочная\nдолжность');
    expect(rows[1]!.row).toBe(3);
  });

  it('reads UTF-8 with a BOM and UTF-16 «Unicode text» with tabs', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ФИО;Организация\nИванова Мария Петровна;Цех № 1\n', 'utf8')]);
    expect((await read(bom)).rows[0]).toMatchObject({ lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна' });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ФИО\tОрганизация\r\nИванова Мария\tЦех № 1\r\n', 'utf16le')]);
    const t = await read(utf16);
    expect(t.table.encoding).toBe('utf-16le');
    expect(t.table.delimiter).toBe('\t');
    expect(t.rows[0]).toMatchObject({ lastName: 'Иванова', firstName: 'Мария', middleName: '' });
  });

  it('detects the delimiter by consistency, not by count (commas inside cells do not fool it)', () => {
    expect(detectDelimiter('Фамилия;Имя;Должность\nИванов;Иван;Мастер, участок 1, смена 2\n')).toBe(';');
    expect(detectDelimiter('Фамилия,Имя\nИванов,Иван\n')).toBe(',');
    expect(detectDelimiter('a\tb\tc\n1\t2\t3\n')).toBe('\t');
  });

  it('tells Windows-1251 from UTF-8', () => {
    expect(decodeText(cp1251('Привет')).encoding).toBe('windows-1251');
    expect(decodeText(cp1251('Привет')).text).toBe('Привет');
    expect(decodeText(Buffer.from('Привет', 'utf8')).encoding).toBe('utf-8');
  });

  it('refuses old .xls, empty and oversized files, and non-xlsx named .xlsx', async () => {
    await expect(readListFile(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]), 'list.xls')).rejects.toThrow(/\.xls/);
    await expect(readListFile(Buffer.alloc(0), 'list.csv')).rejects.toThrow(/пустой/);
    await expect(readListFile(Buffer.alloc(5 * 1024 * 1024 + 1, 0x41), 'list.csv')).rejects.toThrow(/5 МБ/);
    await expect(readListFile(Buffer.from('Фамилия;Имя', 'utf8'), 'list.xlsx')).rejects.toThrow(ListFileError);
  });

  it('refuses more than 10,000 rows', async () => {
    const lines = ['Фамилия;Имя;Организация', ...Array.from({ length: 10_050 }, (_, i) => `Иванов${i};Иван;Цех`)];
    await expect(readListFile(Buffer.from(lines.join('\n'), 'utf8'))).rejects.toThrow(/10\s000/);
  });
});

describe('reading XLSX made with exceljs', () => {
  async function workbook(fill: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    fill(wb.addWorksheet('Список'));
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('reads dates, numbers, hyperlinks, rich text and formulas as text, with a title row above the header', async () => {
    const buf = await workbook((ws) => {
      ws.addRow(['Список членов профсоюза на 01.06.2025']);
      ws.addRow([]);
      ws.addRow(['№ п/п', 'Ф.И.О.', 'Дата рождения (дд.мм.гггг)', 'Тел. мобильный', 'E-mail*', 'Профсоюзная организация', 'Должность']);
      ws.addRow([1, 'Иванова Мария Петровна', new Date(Date.UTC(1985, 2, 12)), 89123456789, { text: 'M.Ivanova@mail.ru', hyperlink: 'mailto:M.Ivanova@mail.ru' }, { richText: [{ text: 'Цех ' }, { text: '№ 1', font: { bold: true } }] }, { formula: 'UPPER("мастер")', result: 'МАСТЕР' }]);
      ws.addRow([2, 'Петров Пётр', 31118, '+7 912 000-00-01', '', 'Цех № 1', '']);
    });
    const { table, map, rows } = await read(buf, 'list.xlsx');
    expect(table.format).toBe('xlsx');
    expect(table.sheetName).toBe('Список');
    expect(map.headerRow).toBe(3);
    expect(map.ignored).toEqual(['№ п/п']);
    expect(rows.map((r) => r.row)).toEqual([4, 5]);
    expect(rows[0]).toMatchObject({ lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', birthDate: '1985-03-12', phone: '+79123456789', email: 'm.ivanova@mail.ru', organisation: 'Цех № 1', position: 'МАСТЕР', errors: [] });
    // 31118 is Excel's day number of 12.03.1985
    expect(rows[1]).toMatchObject({ lastName: 'Петров', firstName: 'Пётр', birthDate: '1985-03-12', phone: '+79120000001', errors: [] });
  });

  it('reports a file whose header row cannot be found or lacks required columns', async () => {
    const noHeader = await workbook((ws) => {
      ws.addRow(['Иванова', 'Мария']);
      ws.addRow(['Петров', 'Пётр']);
    });
    await expect(readListFile(noHeader, 'a.xlsx').then(mapColumns)).rejects.toThrow(/Не найдена строка заголовков/);
    const noOrg = await workbook((ws) => {
      ws.addRow(['Фамилия', 'Имя', 'Отчество']);
      ws.addRow(['Петров', 'Пётр', 'Петрович']);
    });
    await expect(readListFile(noOrg, 'a.xlsx').then(mapColumns)).rejects.toThrow(/нет колонки «Организация»/);
  });
});

describe('headers', () => {
  it.each([
    ['Фамилия', 'lastName'],
    ['  ФАМИЛИЯ ', 'lastName'],
    ['Имя', 'firstName'],
    ['отчество (при наличии)', 'middleName'],
    ['ФИО', 'fullName'],
    ['Ф.И.О.', 'fullName'],
    ['Фамилия, имя, отчество', 'fullName'],
    ['Дата рождения', 'birthDate'],
    ['Дата  рождения (дд.мм.гггг)', 'birthDate'],
    ['Телефон', 'phone'],
    ['Мобильный телефон', 'phone'],
    ['E-mail', 'email'],
    ['e-mail*', 'email'],
    ['Е-mail', 'email'], // Cyrillic Е
    ['Электронная почта', 'email'],
    ['Организация', 'organisation'],
    ['Первичная профсоюзная организация', 'organisation'],
    ['Должность', 'position'],
    ['Профессия (должность)', 'position'],
    ['Дата вступления', 'joinDate'],
    ['Дата вступления в профсоюз', 'joinDate'],
    ['Дата приёма', 'joinDate'],
  ])('«%s» → %s', (header, field) => {
    expect(fieldOfHeader(header)).toBe(field);
  });

  it('ignores unknown headers', () => {
    expect(fieldOfHeader('Примечание')).toBeNull();
    expect(fieldOfHeader('№')).toBeNull();
  });
});

describe('row checks', () => {
  it('reports each problem with its row, column and a Russian message', async () => {
    const csv = [
      'Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Организация;Дата вступления',
      ';Мария;;31.02.1985;12345;ivanova@;Цех № 1;',
      'Иванов2;;;01.01.2020;;;;',
      'Петров;Пётр;;12.05.1970;;;Цех № 1;01.01.2099',
      'Сидоров;Олег;;12.05.1990;;;Цех № 1;01.01.1980',
    ].join('\n');
    const { rows } = await read(Buffer.from(csv, 'utf8'));
    const byRow = (n: number) => rows.find((r) => r.row === n)!.errors.map((e) => `${e.column}: ${e.message}`);
    expect(byRow(2)).toEqual([
      'Фамилия: Не заполнена фамилия.',
      'Дата рождения: Дата рождения «31.02.1985» не распознана: напишите её как ДД.ММ.ГГГГ, например 05.03.1985.',
      'Телефон: Телефон «12345» не распознан: нужен номер вида +7 912 345-67-89 или 8 912 345-67-89.',
      'E-mail: E-mail «ivanova@» указан с ошибкой.',
    ]);
    expect(byRow(3)).toEqual([
      'Имя: Не заполнено имя.',
      'Фамилия: Фамилия «Иванов2» содержит цифры или лишние знаки.',
      'Дата рождения: На дату вступления меньше 14 лет: в профсоюз принимают с 14 лет.',
      'Организация: Не указана организация.',
    ]);
    expect(byRow(4)).toEqual(['Дата вступления: Дата вступления 01.01.2099 ещё не наступила.']);
    expect(byRow(5)).toEqual(['Дата вступления: Дата вступления раньше даты рождения.']);
  });

  it('reports a one-word ФИО', async () => {
    const { rows } = await read(Buffer.from('ФИО;Организация\nИванова;Цех\n', 'utf8'));
    expect(rows[0]!.errors).toEqual([{ row: 2, column: 'ФИО', message: 'В колонке «ФИО» нужны хотя бы фамилия и имя через пробел: «Иванова».' }]);
  });

  it('parses the dates people write', () => {
    expect(parseRuDate('05.03.1985', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('5.3.1985', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('05/03/1985', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('05.03.85', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('05.03.15', TODAY)).toBe('2015-03-05');
    expect(parseRuDate('1985-03-05', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('1985-03-05T00:00:00+03:00', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('5 марта 1985 г.', TODAY)).toBe('1985-03-05');
    expect(parseRuDate('12 мая 1990', TODAY)).toBe('1990-05-12');
    expect(parseRuDate('29.02.2023', TODAY)).toBeNull();
    expect(parseRuDate('29.02.2024', TODAY)).toBe('2024-02-29');
    expect(parseRuDate('вчера', TODAY)).toBeNull();
    expect(excelSerialDate(45658)).toBe('2025-01-01');
  });
});

describe('organisations', () => {
  const index = new OrganisationIndex([
    { id: 1, title: 'Территориальная организация', type: 'territorial', parentId: null, chairmanId: 3 },
    { id: 2, title: 'ППО АО «Завод»', type: 'primary', parentId: 1, chairmanId: 3 },
    { id: 3, title: 'ППО «Фабрика»', type: 'primary', parentId: 1, chairmanId: 3 },
    { id: 4, title: 'Цех № 1', type: 'workshop', parentId: 2, chairmanId: 5 },
    { id: 5, title: 'Цех № 1', type: 'workshop', parentId: 3, chairmanId: 6 },
    { id: 6, title: 'Ремонтно-механический цех', type: 'workshop', parentId: 2, chairmanId: 6 },
  ]);

  it('matches exact titles after normalisation (case, quotes, dashes, №, spaces)', () => {
    expect(normaliseOrgTitle('ППО  АО "Завод" ')).toBe(normaliseOrgTitle('ппо ао «завод»'));
    expect(index.match('ппо ао "завод"')).toMatchObject({ ok: true, org: { id: 2 } });
    expect(index.match('Ремонтно – механический  цех')).toMatchObject({ ok: true, org: { id: 6 } });
    expect(index.match('ППО Завод')).toMatchObject({ ok: false }); // not the same title
  });

  it('asks for the parent when a title occurs twice, and accepts a path', () => {
    const twice = index.match('Цех №1');
    expect(twice.ok).toBe(false);
    expect(!twice.ok && twice.message).toMatch(/несколько раз.*ППО АО «Завод» \/ Цех № 1/);
    expect(index.match('ППО «Фабрика» / Цех № 1')).toMatchObject({ ok: true, org: { id: 5 } });
    expect(index.match('Территориальная организация / ППО АО «Завод» / цех № 1')).toMatchObject({ ok: true, org: { id: 4 } });
  });

  it('reports an unknown organisation', () => {
    const m = index.match('Горводоканал');
    expect(m.ok).toBe(false);
    expect(!m.ok && m.message).toBe('Организация «Горводоканал» не найдена в структуре профсоюза. Проверьте название: оно должно совпадать с названием компании в CRM.');
  });
});

describe('plan and report', () => {
  const person = (row: number, last: string) => ({ row, lastName: last, firstName: 'Анна', middleName: '', birthDate: null, phone: null, email: null, organisation: 'Цех', position: '', joinDate: row === 3 ? '2020-01-01' : null, nameKey: `${last.toLowerCase()} анна`, errors: [] });
  const view = (row: number, status: PreviewRow['status'], candidates: number[] = []): PreviewRow => ({
    ...person(row, 'X'),
    status,
    organisationId: 7,
    organisationTitle: 'Цех',
    errors: status === 'error' ? [{ row, column: 'Телефон', message: 'плохой' }] : [],
    inFile: null,
    candidates: candidates.map((id) => ({ contactId: id, lastName: 'X', firstName: 'Анна', middleName: '', birthDate: '', companyId: null, status: 'member', statusDate: '', hints: { birthDate: false, phone: false, email: false }, hintText: 'совпадает только ФИО', companyTitle: null })),
  });

  it('turns the choices into actions; one existing contact is updated once', () => {
    const people = [1, 2, 3, 4, 5, 6].map((r) => person(r + 1, `Фам${r}`));
    const preview = [view(2, 'ok'), view(3, 'error'), view(4, 'duplicate', [50]), view(5, 'duplicate', [50]), view(6, 'duplicate', [60, 61]), view(7, 'duplicate', [70])];
    const plan = buildPlan({ runId: 'r1', memberId: 'm', userId: 2, fileName: 'f.csv', now: 0 }, people, preview, new Map([[2, 7]]), {
      mode: 'members',
      date: '2025-06-01',
      useFileDates: true,
      duplicateDefault: 'skip',
      rows: { '4': { action: 'update' }, '5': { action: 'update' }, '6': { action: 'update', contactId: 61 }, '7': { action: 'new' } },
    });
    expect(plan.entries.map((e) => [e.row, e.action, e.contactId ?? null])).toEqual([
      [2, 'create', null],
      [3, 'error', null],
      [4, 'update', 50],
      [5, 'skip', null],
      [6, 'update', 61],
      [7, 'create', null],
    ]);
    expect(plan.entries[0]!.companyId).toBe(7);
    expect(plan.entries[1]!.message).toBe('Телефон: плохой');
    expect(plan.entries[3]!.message).toMatch(/уже обновляется строкой 4/);
    expect(validateOptions({ mode: 'members', date: '2099-01-01', useFileDates: true, duplicateDefault: 'skip', rows: {} }, TODAY)).toEqual([{ field: 'date', message: 'Дата 01.01.2099 ещё не наступила.' }]);
  });

  it('writes the report as CSV for Russian Excel and defuses formulas', () => {
    const csv = reportCsv(
      { version: 1, runId: 'r', memberId: 'm', mode: 'members', userId: 1, fileName: '', createdAt: 0, entries: [{ row: 2, action: 'create', name: '=Иванова; Мария', date: '2025-01-01' }] },
      [{ row: 2, outcome: 'created', contactId: 10, dealId: null, message: 'Принят в члены профсоюза с 01.01.2025.' }],
    );
    expect(csv.startsWith('\uFEFFСтрока;ФИО;Результат;ID контакта;ID сделки;Сообщение\r\n')).toBe(true);
    expect(csv).toContain(`2;"'=Иванова; Мария";Принят;10;;Принят в члены профсоюза с 01.01.2025.\r\n`);
    expect(csvCell('+79120000000')).toBe("'+79120000000");
  });
});
