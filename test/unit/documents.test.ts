import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { CATALOG, PUBLIC_CATEGORY_LABELS, SAMPLE_ADMISSION, SAMPLE_DATA, TEMPLATE_KEYS, TemplateDataError, buildView, type AdmissionSetInput, type TemplateKey } from '../../app/documents/catalog.js';
import { dateLong, dateNumeric, dateQuoted, declineFullName, initialsFirst, organisationGenitive, percentText } from '../../app/documents/format.js';
import { TemplateError, checkTemplate, documentFileName, renderAdmissionSet, renderDocument, renderSample, resolvePlaceholder } from '../../app/documents/render.js';
import { documentSpec } from '../../templates/src/dsl.js';
import { TEMPLATE_SOURCES, buildTemplate } from '../../templates/src/index.js';
import { buildDocx, p, packageParts } from '../../templates/src/ooxml.js';

const run = promisify(execFile);
const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);

async function documentXml(docx: Buffer): Promise<string> {
  const zip = await JSZip.loadAsync(docx);
  return (await zip.file('word/document.xml')!.async('string')) ?? '';
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The visible text: one line per paragraph, runs joined. */
function textOf(xml: string): string {
  return xml
    .split(/<\/w:p>/)
    .map((par) => unescape([...par.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('')))
    .filter((line) => line.length > 0)
    .join('\n')
    .replace(/\u00a0/g, ' ');
}

/** Rows of the tables: the text of each cell. */
function tableRows(xml: string): string[][] {
  return [...xml.matchAll(/<w:tr[ >][\s\S]*?<\/w:tr>/g)].map((row) => [...row[0].matchAll(/<w:tc>[\s\S]*?<\/w:tc>/g)].map((c) => textOf(c[0])));
}

const render = (key: TemplateKey) => renderDocument(key, SAMPLE_DATA[key] as never);

describe('formatting', () => {
  it('formats dates the Russian way', () => {
    expect(dateNumeric('1990-03-05')).toBe('05.03.1990');
    expect(dateLong('2025-03-05').replace(/\u00a0/g, ' ')).toBe('5 марта 2025 г.');
    expect(dateQuoted('2025-12-31').replace(/\u00a0/g, ' ')).toBe('«31» декабря 2025 г.');
  });

  it('declines names into the genitive, dative and accusative', () => {
    const cases: [string, string, string, string][] = [
      ['Иванов Иван Иванович', 'Иванова Ивана Ивановича', 'Иванову Ивану Ивановичу', 'Иванова Ивана Ивановича'],
      ['Иванова Анна Сергеевна', 'Ивановой Анны Сергеевны', 'Ивановой Анне Сергеевне', 'Иванову Анну Сергеевну'],
      ['Петров Пётр Петрович', 'Петрова Петра Петровича', 'Петрову Петру Петровичу', 'Петрова Петра Петровича'],
      ['Каёла Светлана Вадимовна', 'Каёлы Светланы Вадимовны', 'Каёле Светлане Вадимовне', 'Каёлу Светлану Вадимовну'],
      ['Лебедев Сергей Валерьевич', 'Лебедева Сергея Валерьевича', 'Лебедеву Сергею Валерьевичу', 'Лебедева Сергея Валерьевича'],
      ['Колабаева Анна Александровна', 'Колабаевой Анны Александровны', 'Колабаевой Анне Александровне', 'Колабаеву Анну Александровну'],
      ['Гелемей Николай Викторович', 'Гелемея Николая Викторовича', 'Гелемею Николаю Викторовичу', 'Гелемея Николая Викторовича'],
      ['Вяземский Илья Львович', 'Вяземского Ильи Львовича', 'Вяземскому Илье Львовичу', 'Вяземского Илью Львовича'],
      ['Шевченко Ольга Петровна', 'Шевченко Ольги Петровны', 'Шевченко Ольге Петровне', 'Шевченко Ольгу Петровну'],
      ['Седых Мария Игоревна', 'Седых Марии Игоревны', 'Седых Марии Игоревне', 'Седых Марию Игоревну'],
      ['Петрова-Водкина Любовь Ивановна', 'Петровой-Водкиной Любови Ивановны', 'Петровой-Водкиной Любови Ивановне', 'Петрову-Водкину Любовь Ивановну'],
      ['Шмидт Елена Павловна', 'Шмидт Елены Павловны', 'Шмидт Елене Павловне', 'Шмидт Елену Павловну'],
      ['Толстой Лев Николаевич', 'Толстого Льва Николаевича', 'Толстому Льву Николаевичу', 'Толстого Льва Николаевича'],
    ];
    for (const [nom, gen, dat, acc] of cases) {
      expect([declineFullName(nom, 'gen'), declineFullName(nom, 'dat'), declineFullName(nom, 'acc')], nom).toEqual([gen, dat, acc]);
    }
    // Without a patronymic or a telling surname, the name is left as it is rather than guessed.
    expect(declineFullName('Ким Саша', 'gen')).toBe('Ким Саша');
    expect(declineFullName('Ким Саша', 'gen', 'male')).toBe('Кима Саши');
    expect(initialsFirst('Петров Пётр Петрович', 'dat').replace(/\u00a0/g, ' ')).toBe('П.П. Петрову');
  });

  it('puts an organisation name into the genitive only when it starts with adjectives and "организация"', () => {
    expect(organisationGenitive('Первичная профсоюзная организация ПАО «Энергосеть»')).toBe('Первичной профсоюзной организации ПАО «Энергосеть»');
    expect(organisationGenitive('Общественная организация «Всероссийский Электропрофсоюз»')).toBe('Общественной организации «Всероссийский Электропрофсоюз»');
    expect(organisationGenitive('ППО ПАО «Энергосеть»')).toBe('ППО ПАО «Энергосеть»');
    expect(percentText(1).replace(/\u00a0/g, ' ')).toBe('1 (одного) процента');
    expect(percentText(1.5).replace(/\u00a0/g, ' ')).toBe('1,5 %');
  });
});

describe('templates render with sample data', () => {
  it.each(TEMPLATE_KEYS)('%s: filled, dates formatted, no command left', async (key) => {
    const xml = await documentXml(await render(key));
    const text = textOf(xml);
    expect(xml).not.toContain('+++');
    expect(text).not.toMatch(/\b(INS|END-IF|END-FOR)\b/);
    if (key === 'resolution') {
      expect(text).toContain('Иванову Анну Сергеевну, 05.03.1990 г. р. — инженер, служба релейной защиты и автоматики');
      expect(text).toContain('1 октября 2025 г.');
      expect(text).toContain('№ 12');
      expect(text).toContain('П.П. Петров');
      expect(text).toContain('ПОСТАНОВЛЕНИЕ');
      expect(text).not.toContain('Выписка верна');
    } else {
      expect(text).toContain('«15» сентября 2025 г.');
      expect(text).toContain('А.С. Иванова');
    }
    if (key === 'application-to-join') {
      expect(text).toContain('от Ивановой Анны Сергеевны,');
      expect(text).toContain('дата рождения: 05.03.1990');
      expect(text).toContain('Председателю\nПервичной профсоюзной организации ПАО «Энергосеть»\nП.П. Петрову');
      expect(text).toContain('Прошу принять меня в члены Общественной организации «Всероссийский Электропрофсоюз»');
      expect(text).toContain('С Уставом профсоюза ознакомлена');
    }
    if (key === 'consent-processing') {
      expect(text).toContain('Я, Иванова Анна Сергеевна, дата рождения 05.03.1990, тел. +7 900 123-45-67, эл. почта ivanova@example.ru');
      expect(text).toContain('оператору — Первичная профсоюзная организация ПАО «Энергосеть» (ИНН 7700000000, ОГРН 1027700000000');
      expect(text).toContain('действующая свободно');
      expect(text).not.toMatch(/паспорт/i);
    }
    if (key === 'dues-deduction') {
      expect(text).toContain('Генеральному директору\nПАО «Энергосеть»\nС.С. Сидорову\nот Ивановой Анны Сергеевны,');
      expect(text).toContain('в размере 1 (одного) процента и перечислять их на счёт Первичной профсоюзной организации ПАО «Энергосеть».');
      expect(text).toContain('Реквизиты для перечисления: р/с 40703810000000000001');
    }
  });

  it('marks each category of the distribution consent from the applicant\'s choices', async () => {
    const xml = await documentXml(await render('consent-distribution'));
    const rows = tableRows(xml).filter((r) => r.length === 4 && /^\d+$/.test(r[0]!));
    const chosen = SAMPLE_DATA['consent-distribution'].publicCategories as Record<keyof typeof PUBLIC_CATEGORY_LABELS, boolean>;
    expect(rows.map((r) => r[1])).toEqual(Object.values(PUBLIC_CATEGORY_LABELS));
    for (const [cat, label] of Object.entries(PUBLIC_CATEGORY_LABELS) as [keyof typeof PUBLIC_CATEGORY_LABELS, string][]) {
      const row = rows.find((r) => r[1] === label)!;
      expect(row.slice(2), label).toEqual(chosen[cat] ? ['☒', '☐'] : ['☐', '☒']);
    }
    const text = textOf(xml);
    expect(text).toContain('Фотографию разрешаю размещать только на информационных стендах организации.');
    expect(text).toContain('https://profsoyuz.example.ru; информационные стенды организации');
  });

  it('leaves out the lines of data that are not given', async () => {
    const minimal = {
      applicant: { fullName: 'Ким Саша', birthDate: '2001-12-01', position: 'электромонтёр' },
      organisation: { name: 'ППО ПАО «Энергосеть»', employer: { name: 'ПАО «Энергосеть»' } },
      union: { name: 'Профсоюз' },
      date: '2025-09-01',
      publicCategories: { full_name: false, birth_date: false, position: false, workplace: false, photo: false, phone: false, email: false },
    } satisfies AdmissionSetInput;
    const docs = await renderAdmissionSet(minimal);
    const [join, processing, distribution, dues] = await Promise.all(docs.map(async (d) => textOf(await documentXml(d.content))));
    expect(join).toContain('Председателю\nППО ПАО «Энергосеть»\nот Ким Саша,\nдата рождения: 01.12.2001,\nэлектромонтёр\n');
    expect(join).toContain('ознакомлен(а)');
    expect(join).not.toContain('тел.');
    expect(processing).toContain('Я, Ким Саша, дата рождения 01.12.2001, в соответствии');
    expect(processing).toContain('оператору — ППО ПАО «Энергосеть» (далее — Оператор)');
    expect(distribution).toContain('неограниченным кругом лиц (часть 9 статьи 10.1 Федерального закона № 152-ФЗ): не устанавливаю');
    expect(dues).toContain('Руководителю\nПАО «Энергосеть»\nот Ким Саша,');
    expect(dues).not.toContain('Реквизиты');
    for (const d of docs) expect(await documentXml(d.content)).not.toContain('+++');
  });

  it('renders a resolution for several members, as an extract', async () => {
    const data = {
      ...SAMPLE_DATA.resolution,
      resolution: { number: '7-П', date: '2025-10-01', admissionDate: '2025-09-20', extract: true },
      members: [{ fullName: 'Иванов Иван Иванович', birthDate: '1985-01-02', position: 'мастер' }, { fullName: 'Сидорова Ольга Павловна' }, { fullName: 'Ли Дэн', fullNameAccusative: 'Ли Дэна' }],
    };
    const text = textOf(await documentXml(await renderDocument('resolution', data)));
    expect(text).toContain('ВЫПИСКА ИЗ ПОСТАНОВЛЕНИЯ');
    expect(text).toContain('Рассмотрев заявления о вступлении');
    expect(text).toContain('с 20 сентября 2025 г.:');
    expect(text).toContain('1) Иванова Ивана Ивановича, 02.01.1985 г. р. — мастер;\n2) Сидорову Ольгу Павловну;\n3) Ли Дэна;');
    expect(text).toContain('Выписка верна');
  });

  it('keeps data as text: XML, literal-XML delimiters and control characters from a web form do not reach the markup', async () => {
    const data = { ...SAMPLE_DATA['application-to-join'], applicant: { ...SAMPLE_DATA['application-to-join'].applicant, fullName: 'Иванова Анна ||<w:br/>||<b>&\u0007', position: 'инженер "А" & <Б>' } };
    const docx = await renderDocument('application-to-join', data);
    const xml = await documentXml(docx);
    expect(xml).not.toContain('<w:br/>||');
    expect(textOf(xml)).toContain('||<w:br/>||<b>&');
    expect(textOf(xml)).toContain('инженер "А" & <Б>');
    expect(xml).not.toContain('\u0007');
  });
});

describe('the admission set', () => {
  it('renders the four documents with Russian file names', async () => {
    const docs = await renderAdmissionSet(SAMPLE_ADMISSION);
    expect(docs.map((d) => d.key)).toEqual(['application-to-join', 'consent-processing', 'consent-distribution', 'dues-deduction']);
    expect(docs.map((d) => d.fileName)).toEqual([
      '1. Заявление о вступлении в профсоюз (Иванова А.С.).docx',
      '2. Согласие на обработку ПДн (Иванова А.С.).docx',
      '3. Согласие на распространение ПДн (Иванова А.С.).docx',
      '4. Заявление об удержании взносов (Иванова А.С.).docx',
    ]);
    for (const d of docs) expect(textOf(await documentXml(d.content))).toContain('Иванова');
  });

  it('keeps file names safe to save on any system', () => {
    expect(documentFileName('resolution', 'a/b:c*?"<>|\n d')).toBe('Постановление о приёме (a b c d).docx');
  });
});

describe('invalid data', () => {
  it('names the missing and wrong fields, in Russian', async () => {
    const bad = {
      applicant: { fullName: 'Иванова', birthDate: '1990-02-30', email: 'not-an-email' },
      organisation: { name: '' },
      union: { name: 'Профсоюз' },
      date: '15.09.2025',
      publicCategories: { full_name: true },
    };
    const err = await renderAdmissionSet(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateDataError);
    const e = err as TemplateDataError;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.reason).toBe('TEMPLATE_DATA_INVALID');
    const fields = e.fields.map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'applicant.fullName',
        'applicant.birthDate',
        'applicant.position',
        'applicant.email',
        'organisation.name',
        'organisation.employer',
        'date',
        'publicCategories.photo',
      ]),
    );
    expect(e.message).toMatch(/^Недостаточно данных для документа/);
    expect(e.message).toContain('должность (applicant.position) — не заполнено');
    expect(e.message).toContain('дата рождения (applicant.birthDate) — должно быть датой в формате ГГГГ-ММ-ДД');
    expect(e.message).toContain('распространение: фотография (publicCategories.photo)');
    expect(e.toJSON().details).toMatchObject({ reason: 'TEMPLATE_DATA_INVALID' });
  });

  it('checks one template\'s data on its own', () => {
    expect(() => buildView('resolution', { ...SAMPLE_DATA.resolution, members: [] })).toThrow(/принимаемые в члены профсоюза \(members\) — нужен хотя бы один/);
    expect(() => buildView('dues-deduction', { ...SAMPLE_DATA['dues-deduction'], duesPercent: 0 })).toThrow(/размер взноса/);
  });
});

describe('template safety', () => {
  const docxWith = (...lines: string[]) => buildDocx(documentSpec('t', 12, lines.map((l) => p(l))));

  it('evaluates placeholders as field paths only', () => {
    const scope = { applicant: { fullName: 'Анна' }, list: [1] };
    expect(resolvePlaceholder('applicant.fullName', scope)).toBe('Анна');
    expect(resolvePlaceholder('!applicant.fullName', scope)).toBe(false);
    expect(() => resolvePlaceholder('applicant.constructor', scope)).toThrow(/неизвестное поле/);
    expect(() => resolvePlaceholder('applicant.__proto__', scope)).toThrow(/неизвестное поле/);
    expect(() => resolvePlaceholder('applicant.missing', scope)).toThrow(/неизвестное поле «applicant.missing»/);
    expect(() => resolvePlaceholder("process.mainModule.require('child_process')", scope)).toThrow(/не поле данных/);
    // Own data properties only; an array's length is one (harmless) and can be counted on.
    expect(resolvePlaceholder('list.length', scope)).toBe(1);
  });

  it('accepts every bundled template as if a portal had uploaded it', async () => {
    for (const key of TEMPLATE_KEYS) {
      const file = await readFile(new URL(CATALOG[key].file, TEMPLATES_DIR));
      await checkTemplate(key, file);
      await renderSample(key, file, SAMPLE_DATA[key] as never);
    }
  });

  it('refuses code, unknown fields, non-docx files and templates without fields', async () => {
    const cases: [Buffer, RegExp][] = [
      [await docxWith('+++EXEC require("fs")+++'), /команда EXEC не разрешена/],
      [await docxWith('+++INS (() => process.exit(1))()+++'), /допустимы только имена полей/],
      [await docxWith('+++INS applicant.fullName.constructor+++'), /допустимы только имена полей|неизвестное поле/],
      [await docxWith('+++IMAGE applicant.fullName+++'), /команда IMAGE не разрешена/],
      [await docxWith('+++HTML applicant.fullName+++'), /команда HTML не разрешена/],
      [await docxWith('Просто текст'), /нет ни одного поля/],
      [Buffer.from('%PDF-1.7 not a docx'), /не файл \.docx/],
      [Buffer.from('PK\u0003\u0004 broken'), /повреждён/],
      [Buffer.alloc(0), /пустой/],
    ];
    for (const [buf, msg] of cases) {
      const err = await renderSample('application-to-join', buf, SAMPLE_DATA['application-to-join']).catch((e: unknown) => e);
      expect(err, String(msg)).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).message).toMatch(msg);
    }
    // A plain zip that is not a Word document.
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    zip.file('word/document.xml', '<w:document/>');
    const notWord = await zip.generateAsync({ type: 'nodebuffer' });
    await expect(checkTemplate('application-to-join', notWord)).rejects.toThrow(/не документ Word/);
    // A Word document with macros.
    const withMacros = await JSZip.loadAsync(await readFile(new URL(CATALOG['application-to-join'].file, TEMPLATES_DIR)));
    withMacros.file('word/vbaProject.bin', 'macro');
    await expect(checkTemplate('application-to-join', await withMacros.generateAsync({ type: 'nodebuffer' }))).rejects.toThrow(/макросами/);
  });

  it('reports a misspelt field of an uploaded template by name', async () => {
    const buf = await docxWith('+++INS applicant.fulName+++', '+++IF applicant.phoneNumber+++x+++END-IF+++');
    const err = (await renderSample('application-to-join', buf, SAMPLE_DATA['application-to-join']).catch((e: unknown) => e)) as TemplateError;
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.problems.join('; ')).toContain('неизвестное поле «applicant.fulName»');
    expect(err.problems.join('; ')).toContain('неизвестное поле «applicant.phoneNumber»');
  });
});

describe('the committed .docx files', () => {
  it.each(TEMPLATE_KEYS)('%s is up to date with templates/src (run `npx tsx scripts/build-templates.ts`)', async (key) => {
    const committed = await JSZip.loadAsync(await readFile(new URL(CATALOG[key].file, TEMPLATES_DIR)));
    const expected = packageParts(TEMPLATE_SOURCES[key]);
    expect(Object.keys(committed.files).sort()).toEqual(expected.map(([name]) => name).sort());
    for (const [name, xml] of expected) expect(await committed.file(name)!.async('string'), name).toBe(xml);
    // The build is deterministic, so the bytes match too.
    expect((await buildTemplate(key)).equals(await readFile(new URL(CATALOG[key].file, TEMPLATES_DIR)))).toBe(true);
  });
});

// ───────────────────────────── LibreOffice ─────────────────────────────

const SOFFICE = ['/usr/bin/soffice', '/usr/local/bin/soffice', '/usr/lib/libreoffice/program/soffice'].find((f) => existsSync(f));
const requireLibreOffice = process.env['DU_REQUIRE_LIBREOFFICE'] === '1';

describe('LibreOffice opens the rendered documents', () => {
  if (!SOFFICE && requireLibreOffice) {
    it('needs soffice (DU_REQUIRE_LIBREOFFICE=1)', () => {
      expect.fail('soffice is not installed but DU_REQUIRE_LIBREOFFICE=1');
    });
  }
  it.skipIf(!SOFFICE)('converts each to text with the applicant\'s name in it', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'du-docs-'));
    try {
      const docs = [...(await renderAdmissionSet(SAMPLE_ADMISSION)).map((d) => ({ key: d.key, content: d.content })), { key: 'resolution', content: await render('resolution') }];
      const files = [];
      for (const d of docs) {
        const file = join(dir, `${d.key}.docx`);
        await writeFile(file, d.content);
        files.push(file);
      }
      // Its own profile, so parallel runs (other test files, a developer's LibreOffice) don't clash.
      await run(SOFFICE!, [`-env:UserInstallation=file://${join(dir, 'profile')}`, '--headless', '--convert-to', 'txt:Text', '--outdir', dir, ...files], { timeout: 110_000 });
      for (const d of docs) {
        const text = (await readFile(join(dir, `${d.key}.txt`), 'utf8')).replace(/\u00a0/g, ' ');
        expect(text, d.key).toContain(d.key === 'resolution' ? 'Иванову Анну Сергеевну' : 'А.С. Иванова');
        expect(text, d.key).not.toContain('+++');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  if (!SOFFICE && !requireLibreOffice) {
    it.skip('LibreOffice (soffice) is not installed: skipped; set DU_REQUIRE_LIBREOFFICE=1 to make this a failure', () => undefined);
  }
});

describe('placeholder help', () => {
  it('lists every field a template may use, with an example', async () => {
    const { placeholderList } = await import('../../app/documents/catalog.js');
    const list = placeholderList('consent-distribution');
    expect(list).toContainEqual({ path: 'applicant.fullName', kind: 'value', example: 'Иванова Анна Сергеевна' });
    expect(list).toContainEqual({ path: 'distribution.categories', kind: 'list', example: '7 эл.' });
    expect(list).toContainEqual({ path: '$c.label', kind: 'value', example: 'Фамилия, имя, отчество' });
    expect(list.find((x) => x.path === 'date.quoted')?.example).toBe('«15» сентября 2025 г.');
  });
});
