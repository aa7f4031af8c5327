/**
 * The settings page's document templates API against the sandbox portal: the list (all bundled at
 * first, with the placeholder help), downloads, a portal's own version uploaded (kept on the
 * portal's Drive) and used by the next admission documents, refusals in Russian (not a .docx, an old
 * .doc, a forbidden command, an unknown field, too big), admin only, and the reset.
 */
import { readFile } from 'node:fs/promises';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_KEYS } from '../../app/documents/catalog.js';
import { TEMPLATE_FOLDER } from '../../app/documents/template-source.js';
import { mapKeys } from '../../app/registry/names.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

const ADMIN = 1;
const CLERK = 2; // has the clerk role, but is not a portal administrator
const MARKER = 'ЗАЯВЛЕНИЕ (ОБРАЗЕЦ ПОРТАЛА)';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

let stack: Stack;
let m: Record<string, string>;
const sessions = new Map<number, string>();

const bundled = (key: string) => readFile(new URL(`../../templates/${key}.docx`, import.meta.url));

/** The settings page as the portal opens it (frame POST to /placements/DEFAULT): its session. */
async function session(userId: number): Promise<string> {
  if (!sessions.has(userId)) {
    const frame = stack.sb.framePost({ userId });
    const res = await fetch(frame.url.replace(/^https?:\/\/[^/]+/, stack.app.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(frame.body).toString(),
    });
    const boot = /window\.__DU_BOOT__=(.*?)<\/script>/s.exec(await res.text());
    sessions.set(userId, (JSON.parse(boot![1]!) as { session: string }).session);
  }
  return sessions.get(userId)!;
}

async function api(userId: number | null, path: string, init: { method?: string; body?: unknown; rawBody?: string } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (userId !== null) headers['x-du-session'] = await session(userId);
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.app.url}/api/settings${path}`, { method: init.method ?? 'GET', headers, body });
  const buf = Buffer.from(await res.arrayBuffer());
  let json: any = null;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    /* a file */
  }
  return { status: res.status, json, buf, headers: res.headers };
}

const upload = (userId: number, key: string, content: Buffer, fileName = `${key}.docx`) =>
  api(userId, `/templates/${key}`, { method: 'PUT', body: { fileName, contentBase64: content.toString('base64') } });

/** A .docx with one text of the document replaced (what a clerk does in Word). */
async function edited(key: string, from: string, to: string): Promise<Buffer> {
  const zip = await JSZip.loadAsync(await bundled(key));
  const xml = await zip.file('word/document.xml')!.async('string');
  expect(xml).toContain(`>${from}<`);
  zip.file('word/document.xml', xml.replace(`>${from}<`, `>${to}<`));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function textOf(docx: Buffer): Promise<string> {
  const xml = await (await JSZip.loadAsync(docx)).file('word/document.xml')!.async('string');
  return [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((x) => x[1]).join('');
}

const folderFiles = () => {
  const st = stack.sb.state.disk;
  const folder = st.objects.find((o) => o.type === 'folder' && o.name === TEMPLATE_FOLDER);
  return folder ? st.objects.filter((o) => o.parentId === folder.id) : [];
};

const sourceOf = (list: { templates: { key: string; source: string }[] }) => Object.fromEntries(list.templates.map((t) => [t.key, t.source]));

beforeAll(async () => {
  stack = await startStack();
  await stack.sb.installApp();
  await settle(stack);
  m = await stack.app.store.getMap(stack.sb.memberId);
  await stack.app.store.setSetting(stack.sb.memberId, 'roles', { clerk: [CLERK] });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('settings API: document templates', () => {
  let customised: Buffer;

  it('lists the five templates, all bundled, with the placeholders each may use', async () => {
    const res = await api(ADMIN, '/templates');
    expect(res.status).toBe(200);
    expect(res.json.maxBytes).toBe(5 * 1024 * 1024);
    expect(res.json.templates.map((t: { key: string }) => t.key)).toEqual([...TEMPLATE_KEYS]);
    expect(Object.values(sourceOf(res.json))).toEqual(['bundled', 'bundled', 'bundled', 'bundled', 'bundled']);
    const join = res.json.templates[0];
    expect(join).toMatchObject({ key: 'application-to-join', title: 'Заявление о вступлении в члены профсоюза', source: 'bundled' });
    expect(join.updatedAt).toBeUndefined();
    expect(join.placeholders).toContainEqual({
      path: 'applicant.fullName',
      kind: 'value',
      example: 'Иванова Анна Сергеевна',
      description: 'ФИО заявителя полностью',
      usage: '+++INS applicant.fullName+++',
    });
    expect(join.placeholders.find((p: { path: string }) => p.path === 'date.long').description).toBe('Дата заявления словами');
    const distribution = res.json.templates.find((t: { key: string }) => t.key === 'consent-distribution');
    expect(distribution.placeholders.find((p: { path: string }) => p.path === 'distribution.categories')).toMatchObject({
      kind: 'list',
      usage: '+++FOR c IN distribution.categories+++ … +++END-FOR c+++',
    });
    expect(distribution.placeholders.find((p: { path: string }) => p.path === '$c.label').usage).toBe('+++INS $c.label+++');
    // Every placeholder of every template has a Russian description.
    for (const t of res.json.templates) {
      for (const p of t.placeholders) expect(p.description, `${t.key}: ${p.path}`).toMatch(/[а-яё]/i);
    }
    // Nothing is stored on the portal's Drive just by looking.
    expect(folderFiles()).toEqual([]);
  });

  it('downloads the bundled template with a UTF-8 file name', async () => {
    const res = await api(CLERK, '/templates/application-to-join/file');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(DOCX);
    expect(res.headers.get('x-du-template-source')).toBe('bundled');
    const disposition = res.headers.get('content-disposition')!;
    expect(disposition).toContain('attachment; filename="application-to-join.docx"');
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('Заявление о вступлении в члены профсоюза.docx')}`);
    expect(res.buf.equals(await bundled('application-to-join'))).toBe(true);
  });

  it('answers 404 for a template the app does not have', async () => {
    for (const [method, path] of [['GET', '/templates/passport/file'], ['PUT', '/templates/passport'], ['DELETE', '/templates/passport']] as const) {
      const res = await api(ADMIN, path, { method, body: method === 'PUT' ? { fileName: 'x.docx', contentBase64: 'UEs=' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toMatchObject({ error: 'NOT_FOUND', message: expect.stringContaining('Шаблона «passport» нет') });
    }
  });

  it('lets only a portal administrator upload or reset (403 in Russian), while anyone with the page may read', async () => {
    const put = await upload(CLERK, 'application-to-join', await bundled('application-to-join'));
    expect(put.status).toBe(403);
    expect(put.json).toMatchObject({ error: 'FORBIDDEN', message: 'Загружать свои шаблоны может только администратор портала.' });
    const del = await api(CLERK, '/templates/application-to-join', { method: 'DELETE' });
    expect(del.status).toBe(403);
    expect(del.json.message).toBe('Возвращать стандартные шаблоны может только администратор портала.');
    expect((await api(CLERK, '/templates')).status).toBe(200);
    expect((await api(null, '/templates')).status).toBe(401);
    expect(folderFiles()).toEqual([]);
  });

  it('uploads a portal\'s own version: the list says so, the download returns it', async () => {
    customised = await edited('application-to-join', 'ЗАЯВЛЕНИЕ', MARKER);
    const res = await upload(ADMIN, 'application-to-join', customised, 'Заявление (наше).docx');
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(sourceOf(res.json)).toMatchObject({ 'application-to-join': 'portal', 'consent-processing': 'bundled', resolution: 'bundled' });
    const join = res.json.templates[0];
    expect(join.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(join.placeholders.length).toBeGreaterThan(10);
    // On the portal's Drive, in the app's folder, under the template's own name.
    expect(folderFiles().map((o) => o.name)).toEqual(['application-to-join.docx']);

    expect(sourceOf((await api(CLERK, '/templates')).json)['application-to-join']).toBe('portal');
    const file = await api(ADMIN, '/templates/application-to-join/file');
    expect(file.status).toBe(200);
    expect(file.headers.get('x-du-template-source')).toBe('portal');
    expect(file.headers.get('content-disposition')).toContain(encodeURIComponent('Заявление о вступлении в члены профсоюза (свой).docx'));
    expect(file.buf.equals(customised)).toBe(true);
  });

  it('generates the next admission documents from the portal\'s version', async () => {
    const as = (method: string, params: Record<string, unknown>) => stack.sb.callAs(CLERK, method, params) as Promise<any>;
    const f = (key: string) => m[mapKeys.field(key)]!;
    const primary = Number(await as('crm.company.add', { fields: { TITLE: 'ППО АО «Шаблонэнерго»', ASSIGNED_BY_ID: 3, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'primary')] } }));
    const contactId = Number(await as('crm.contact.add', {
      fields: { LAST_NAME: 'Шаблонова', NAME: 'Вера', SECOND_NAME: 'Павловна', BIRTHDATE: '1991-04-12', POST: 'Техник', EMAIL: [{ VALUE: 'vera@example.test', VALUE_TYPE: 'WORK' }] },
    }));
    const dealId = Number(await as('crm.deal.add', {
      fields: {
        TITLE: 'Заявление Шаблоновой',
        CATEGORY_ID: Number(m[mapKeys.pipelineCategory('membership')]),
        STAGE_ID: m[mapKeys.stage('membership', 'NEW')],
        CONTACT_ID: contactId,
        [f('deal.applicantOrg')]: primary,
        [f('deal.pdConsent')]: 'Y',
      },
    }));
    await settle(stack);
    const deal = (await stack.sb.callAs(ADMIN, 'crm.deal.get', { id: dealId })) as Record<string, any>;
    const files = deal[f('deal.generatedDocs')] as { id: number }[];
    expect(files).toHaveLength(4);
    const texts = await Promise.all(files.map(async (x) => textOf(Buffer.from(stack.sb.state.files.find((s) => s.id === x.id)!.contentBase64, 'base64'))));
    const join = texts.find((t) => t.includes('Прошу принять меня'))!;
    expect(join).toContain(MARKER);
    expect(join).toContain('Шаблоновой Веры Павловны');
    // The other three are still the bundled ones.
    expect(texts.filter((t) => t.includes(MARKER))).toHaveLength(1);
  }, 60_000);

  it('refuses what is not a usable template, in Russian, and keeps the portal\'s version', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const notDocx = await upload(ADMIN, 'application-to-join', png, 'скан.png');
    expect(notDocx.status).toBe(400);
    expect(notDocx.json).toMatchObject({
      error: 'VALIDATION_FAILED',
      message: 'Шаблон «Заявление о вступлении в члены профсоюза» не подходит: это не файл .docx (ожидается документ Word)',
      details: { reason: 'TEMPLATE_INVALID', template: 'application-to-join' },
    });

    const oldWord = await upload(ADMIN, 'application-to-join', Buffer.from('d0cf11e0a1b11ae1000000000000000000000000', 'hex'), 'Заявление.doc');
    expect(oldWord.status).toBe(400);
    expect(oldWord.json.message).toMatch(/это файл \.doc \(Word 97–2003\) — откройте его в Word и сохраните как «Документ Word \(\*\.docx\)»/);

    const exec = await upload(ADMIN, 'application-to-join', await edited('application-to-join', 'ЗАЯВЛЕНИЕ', "+++EXEC require('child_process').execSync('id')+++"));
    expect(exec.status).toBe(400);
    expect(exec.json.message).toMatch(/^Шаблон «Заявление о вступлении в члены профсоюза» не подходит: команда EXEC не разрешена \(допустимы INS, IF, FOR\)/);

    const unknownField = await upload(ADMIN, 'consent-processing', await edited('application-to-join', 'ЗАЯВЛЕНИЕ', '+++INS applicant.passport+++'));
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.message).toContain('неизвестное поле «applicant.passport»');

    const empty = await api(ADMIN, '/templates/application-to-join', { method: 'PUT', body: { fileName: 'x.docx' } });
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('Выберите файл шаблона (.docx).');
    const garbled = await api(ADMIN, '/templates/application-to-join', { method: 'PUT', body: { fileName: 'x.docx', contentBase64: 'не base64!' } });
    expect(garbled.status).toBe(400);
    expect(garbled.json.message).toMatch(/повреждённым/);

    // Over 5 MB: refused by the check; far over it: refused by the body limit, also in Russian.
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 0x20);
    big.write('PK');
    const tooBig = await upload(ADMIN, 'application-to-join', big);
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.message).toContain('файл больше 5 МБ');
    const huge = await api(ADMIN, '/templates/application-to-join', { method: 'PUT', rawBody: JSON.stringify({ fileName: 'x.docx', contentBase64: 'A'.repeat(9 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', message: 'Файл шаблона слишком большой: допускается не больше 5 МБ.' });

    // Nothing of that reached the Drive.
    expect(folderFiles().map((o) => o.name)).toEqual(['application-to-join.docx']);
    expect((await api(ADMIN, '/templates/application-to-join/file')).buf.equals(customised)).toBe(true);
  }, 30_000);

  it('replaces the portal\'s version in place on a second upload', async () => {
    const [before] = folderFiles();
    const second = await edited('application-to-join', 'ЗАЯВЛЕНИЕ', 'ЗАЯВЛЕНИЕ (ВТОРАЯ РЕДАКЦИЯ)');
    expect((await upload(ADMIN, 'application-to-join', second)).status).toBe(200);
    const after = folderFiles();
    expect(after.map((o) => o.id)).toEqual([before!.id]);
    expect((await api(ADMIN, '/templates/application-to-join/file')).buf.equals(second)).toBe(true);
  });

  it('goes back to the bundled template', async () => {
    const res = await api(ADMIN, '/templates/application-to-join', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.json.reset).toBe(true);
    expect(Object.values(sourceOf(res.json))).toEqual(['bundled', 'bundled', 'bundled', 'bundled', 'bundled']);
    expect(folderFiles()).toEqual([]);
    const file = await api(ADMIN, '/templates/application-to-join/file');
    expect(file.headers.get('x-du-template-source')).toBe('bundled');
    expect(file.buf.equals(await bundled('application-to-join'))).toBe(true);
    // Again: nothing to reset, still fine.
    const again = await api(ADMIN, '/templates/application-to-join', { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.json.reset).toBe(false);
  });
});
