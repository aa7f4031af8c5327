/**
 * The public application page and the applicant's upload page against the sandbox portal:
 * what lands in the portal, how many requests it costs, the abuse limits, the upload link's
 * signature and expiry, and that nothing personal reaches the app's SQLite file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../app/clock.js';
import { loadPortalSettings } from '../../app/settings.js';
import { uploadLinkFor } from '../../app/membership/upload-link.js';
import { mapKeys } from '../../app/registry/names.js';
import { loadAppSecret, Sealer } from '../../app/secrets.js';
import { ensureDemo } from '../../sandbox/demo-seed.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let session = '';
let slug = '';
let sealer: Sealer;

const DAY = 24 * 60 * 60 * 1000;
const memberId = () => stack.sb.memberId;
const map = () => stack.app.store.getMap(memberId());
const url = (path: string) => `${stack.app.url}${path}`;
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

type Item = Record<string, unknown> & { id: number };
const getItem = async (entityTypeId: number, id: number) =>
  ((await stack.sb.callAs(1, 'crm.item.get', { entityTypeId, id, useOriginalUfNames: 'Y' })) as { item: Item }).item;
const listItems = async (entityTypeId: number, filter: Record<string, unknown>) =>
  ((await stack.sb.callAs(1, 'crm.item.list', { entityTypeId, filter, select: ['*'], useOriginalUfNames: 'Y' })) as { items: Item[] }).items;

/** The boot object a page was rendered with. */
function bootOf(html: string): Record<string, unknown> {
  const m = /window\.__DU_BOOT__=(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('no boot script in the page');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

// The test person: looked for in the SQLite file at the end.
const PERSON = {
  lastName: 'Заявительница-Проверочная',
  firstName: 'Евдокия',
  middleName: 'Аркадьевна',
  birthDate: '14.03.1988',
  phone: '8 (916) 555-43-21',
  email: 'Evdokia.Proverochnaya@Example.RU',
  position: 'Инженер-релейщик',
};
const PHONE_E164 = '+79165554321';

let orgId = 0;
let orgTitle = '';
const key = (n: number) => `test-form-key-${String(n).padStart(6, '0')}`;
const form = (over: Record<string, unknown> = {}) => ({
  ...PERSON,
  orgId,
  consentProcessing: true,
  consentDistribution: true,
  publicCategories: ['full_name', 'position'],
  idempotencyKey: key(1),
  homepage: '',
  ...over,
});

beforeAll(async () => {
  stack = await startStack();
  await stack.sb.installApp();
  await settle(stack);
  await ensureDemo(stack.sb, stack.app);
  await settle(stack);
  sealer = new Sealer(loadAppSecret(stack.config.appSecret, stack.config.dbPath));
  // A staff member opens the app page: its boot carries the session for /api.
  const frame = stack.sb.framePost({ userId: 1 });
  const page = await fetch(frame.url.replace(/^https?:\/\/[^/]+/, stack.app.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(frame.body).toString() });
  expect(page.status).toBe(200);
  session = String(bootOf(await page.text()).session);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('the link for the notice board', () => {
  it('needs a staff session', async () => {
    expect((await fetch(url('/api/apply-link'))).status).toBe(401);
  });

  it('gives the form address and its QR code, the same every time, not naming the portal', async () => {
    const res = await fetch(url('/api/apply-link'), { headers: { 'x-du-session': session } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; qrSvg: string };
    expect(body.url).toMatch(new RegExp(`^${stack.config.publicUrl}/apply/[A-Za-z0-9_-]{16}$`));
    expect(body.qrSvg).toMatch(/<svg[\s\S]*<\/svg>/);
    slug = body.url.split('/').pop()!;
    expect(slug).not.toContain(memberId());
    expect(memberId()).not.toContain(slug);
    const again = (await (await fetch(url('/api/apply-link'), { headers: { 'x-du-session': session } })).json()) as { url: string };
    expect(again.url).toBe(body.url);
  });
});

describe('the application page', () => {
  it('renders with the union and its organisations: primaries with their workshops, nothing else', async () => {
    const res = await fetch(url(`/apply/${slug}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-robots-tag')).toContain('noindex');
    const boot = bootOf(await res.text());
    expect(boot.state).toBe('open');
    expect(boot.union).toBe('Энская территориальная организация Электропрофсоюза');
    const orgs = boot.orgs as { id: number; title: string; type: string; parent: number | null }[];
    expect(orgs.map((o) => [o.title, o.type])).toEqual([
      ['ППО АО «Энскэнерго»', 'primary'],
      ['ЦПО ТЭЦ-1', 'workshop'],
      ['ЦПО ТЭЦ-2', 'workshop'],
      ['ППО ПАО «Энские сети»', 'primary'],
      ['ЦПО Северные электросети', 'workshop'],
    ]);
    for (const o of orgs) expect(Object.keys(o).sort()).toEqual(['id', 'parent', 'title', 'type']);
    const ppo1 = orgs[0]!;
    expect(orgs[1]!.parent).toBe(ppo1.id);
    expect(orgs[2]!.parent).toBe(ppo1.id);
    expect(orgs[4]!.parent).toBe(orgs[3]!.id);
    orgId = orgs[1]!.id;
    orgTitle = orgs[1]!.title;

    const list = (await (await fetch(url(`/apply/${slug}/orgs`))).json()) as { orgs: unknown[]; union: string };
    expect(list.orgs).toEqual(orgs);
  });

  it('says so for an unknown link', async () => {
    const res = await fetch(url('/apply/NoSuchFormLink12345'));
    expect(res.status).toBe(404);
    expect(bootOf(await res.text()).state).toBe('not-found');
    const post = await postJson('/apply/NoSuchFormLink12345', form());
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: string }).error).toBe('NOT_FOUND');
  });

  it('explains every wrong field in Russian and creates nothing', async () => {
    const before = stack.sb.stats.mutations;
    const empty = await postJson(`/apply/${slug}`, {});
    expect(empty.status).toBe(400);
    const body = (await empty.json()) as { error: string; message: string; details: { field: string; message: string }[] };
    expect(body.error).toBe('VALIDATION_FAILED');
    const byField = Object.fromEntries(body.details.map((d) => [d.field, d.message]));
    expect(byField).toMatchObject({
      lastName: 'Укажите фамилию',
      firstName: 'Укажите имя',
      birthDate: 'Укажите дату рождения',
      phone: 'Укажите телефон',
      email: 'Укажите адрес электронной почты',
      orgId: 'Выберите организацию из списка',
      position: 'Укажите должность',
      consentProcessing: expect.stringContaining('согласия на обработку'),
    });
    expect(byField.middleName).toBeUndefined();

    const today = dateInZone(stack.sb.clock.now(), (await loadPortalSettings(stack.app.store, memberId())).process.timeZone);
    const tooYoung = `${Number(today.slice(0, 4)) - 13}-01-01`;
    const bad = await postJson(`/apply/${slug}`, form({ lastName: 'Ив@нов', birthDate: tooYoung, phone: '12345', email: 'не-почта', consentProcessing: false, orgId: 'x', idempotencyKey: key(2) }));
    const badBody = (await bad.json()) as { details: { field: string; message: string }[] };
    const bad2 = Object.fromEntries(badBody.details.map((d) => [d.field, d.message]));
    expect(bad2).toEqual({
      lastName: 'Допустимы только буквы, пробел, дефис и апостроф',
      birthDate: 'Вступить в профсоюз можно с 14 лет',
      phone: expect.stringContaining('российский номер'),
      email: expect.stringContaining('Проверьте адрес электронной почты'),
      orgId: 'Выберите организацию из списка',
      consentProcessing: expect.stringContaining('согласия на обработку'),
    });

    const old = await postJson(`/apply/${slug}`, form({ birthDate: '01.01.1901', idempotencyKey: key(3) }));
    expect(((await old.json()) as { details: { field: string; message: string }[] }).details).toEqual([{ field: 'birthDate', message: 'Проверьте год рождения' }]);

    // An organisation id that is not in the union's hierarchy (a territorial one, or any company).
    const foreign = await postJson(`/apply/${slug}`, form({ orgId: 999_999, idempotencyKey: key(4) }));
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { details: unknown[] }).details).toEqual([{ field: 'orgId', message: 'Выберите организацию из списка' }]);

    const notJson = await fetch(url(`/apply/${slug}`), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'lastName=x' });
    expect(notJson.status).toBe(415);
    const huge = await postJson(`/apply/${slug}`, form({ position: 'x'.repeat(40_000) }));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toBe('PAYLOAD_TOO_LARGE');
    expect(stack.sb.stats.mutations).toBe(before);
  });

  it('thanks a bot that fills the hidden field, and creates nothing', async () => {
    const before = stack.sb.stats.mutations;
    const res = await postJson(`/apply/${slug}`, form({ homepage: 'http://spam.example', idempotencyKey: key(5) }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(stack.sb.stats.mutations).toBe(before);
  });

  let dealId = 0;
  let contactId = 0;

  it('creates one contact and one deal at "Новое заявление" in one request', async () => {
    // Measure only this submission: the app's worker (stage actions on ONCRMDEALADD) waits meanwhile.
    await settle(stack);
    await stack.app.worker.stop();
    stack.sb.resetStats();
    const res = await postJson(`/apply/${slug}`, form({ idempotencyKey: key(10) }));
    const requests = stack.sb.stats.requests;
    const methods = { ...stack.sb.stats.methods };
    await stack.app.worker.start();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    // The organisation list is cached from the page: the submission is one batch request.
    expect(requests).toBe(1);
    expect(methods).toMatchObject({ batch: 1, 'crm.contact.add': 1, 'crm.item.add': 1 });

    const m = await map();
    const contacts = await listItems(3, { lastName: PERSON.lastName });
    expect(contacts).toHaveLength(1);
    const contact = await getItem(3, contacts[0]!.id);
    contactId = contact.id;
    expect(contact).toMatchObject({ lastName: PERSON.lastName, name: PERSON.firstName, secondName: PERSON.middleName, post: PERSON.position });
    expect(String(contact.birthdate)).toMatch(/^1988-03-14/);
    const fm = contact.fm as { typeId: string; value: string }[];
    expect(fm.filter((f) => f.typeId === 'PHONE').map((f) => f.value)).toEqual([PHONE_E164]);
    expect(fm.filter((f) => f.typeId === 'EMAIL').map((f) => f.value)).toEqual([PERSON.email.toLowerCase()]);

    const deals = await listItems(2, { title: 'Заявление о вступлении: Заявительница-Проверочная Е. А.' });
    expect(deals).toHaveLength(1);
    const deal = await getItem(2, deals[0]!.id);
    dealId = deal.id;
    const f = (k: string) => m[mapKeys.field(k)]!;
    const today = dateInZone(stack.sb.clock.now(), (await loadPortalSettings(stack.app.store, memberId())).process.timeZone);
    expect(deal).toMatchObject({
      title: 'Заявление о вступлении: Заявительница-Проверочная Е. А.',
      categoryId: Number(m[mapKeys.pipelineCategory('membership')]),
      [f('deal.applicantOrg')]: String(orgId),
      [f('deal.applicantOrgName')]: orgTitle,
      [f('deal.pdConsent')]: 'Y',
    });
    expect(String(deal[f('deal.appliedAt')])).toMatch(new RegExp(`^${today}`));
    expect((deal[f('deal.publicCategories')] as unknown[]).map(String).sort()).toEqual(
      [m[mapKeys.enumItem('deal.publicCategories', 'full_name')], m[mapKeys.enumItem('deal.publicCategories', 'position')]].sort(),
    );
    expect(deal.contactIds).toEqual([contactId]);
    // It was created at NEW (the stage actions may have moved it on since), and the portal told the app.
    await settle(stack);
    const added = stack.sb.deliveries.find((d) => d.kind === 'event' && d.event === 'ONCRMDEALADD' && String((d.payload as { data?: { FIELDS?: { ID?: unknown } } }).data?.FIELDS?.ID) === String(dealId));
    expect(added).toBeDefined();
  });

  it('turns a double submit, or the same person again, into one deal', async () => {
    const countDeals = async () => (await listItems(2, { title: 'Заявление о вступлении: Повторова А. Б.' })).length;
    const twice = form({ lastName: 'Повторова', firstName: 'Алла', middleName: 'Борисовна', birthDate: '1990-05-05', idempotencyKey: key(20) });
    const [a, b] = await Promise.all([postJson(`/apply/${slug}`, twice), postJson(`/apply/${slug}`, twice)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const bodies = [await a.json(), await b.json()] as { repeated?: boolean }[];
    expect(bodies.filter((x) => x.repeated)).toHaveLength(1);
    // Reloaded the page (new form key), same person: still the first result.
    const again = await postJson(`/apply/${slug}`, { ...twice, idempotencyKey: key(21), phone: '+7 916 000-00-00' });
    expect(await again.json()).toEqual({ ok: true, repeated: true });
    await settle(stack);
    expect(await countDeals()).toBe(1);
  });

  it('limits submissions per address: 429 RATE_LIMITED with a Russian message', async () => {
    // Two accepted so far from this address (the first application and the double submit).
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`/apply/${slug}`, form({ lastName: `Лимитова-${'абв'[i]}`, idempotencyKey: key(30 + i) }));
      expect(res.status).toBe(200);
    }
    const limited = await postJson(`/apply/${slug}`, form({ lastName: 'Лимитова-где', idempotencyKey: key(40) }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: string; message: string };
    expect(body.error).toBe('RATE_LIMITED');
    expect(body.message).toMatch(/заявлен/);
    // Ten minutes later the address may send again.
    stack.sb.clock.advance(11 * 60_000);
    const later = await postJson(`/apply/${slug}`, form({ lastName: 'Лимитова-где', idempotencyKey: key(41) }));
    expect(later.status).toBe(200);
    await settle(stack);
  });

  describe('the upload page', () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const link = (dealIdOf: number, now = stack.sb.clock.now()) => uploadLinkFor(sealer, stack.config.publicUrl, memberId(), dealIdOf, now);
    const pathOf = (link: string) => new URL(link).pathname;
    const toStage = async (stage: string) =>
      stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { stageId: (await map())[mapKeys.stage('membership', stage)] } });
    const signedIds = async () => {
      const m = await map();
      const deal = await getItem(2, dealId);
      return ((deal[m[mapKeys.field('deal.signedDocs')]!] as { id: number }[] | null) ?? []).map((x) => x.id);
    };

    it('shows the application in signing and takes the scans into the signed-documents field, keeping files already there', async () => {
      await settle(stack);
      // The stage logic (moving the deal on when the scans arrive) is not under test here: switch it off.
      const settings = await loadPortalSettings(stack.app.store, memberId());
      await stack.app.store.setSetting(memberId(), 'process', { ...settings.process, handleStagesByEvents: false });
      await toStage('SIGNING');
      await settle(stack);
      // Staff attached one file in the card before.
      const m = await map();
      const signed = m[mapKeys.field('deal.signedDocs')]!;
      await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, useOriginalUfNames: 'Y', fields: { [signed]: [['from-staff.pdf', pdf.toString('base64')]] } });
      await settle(stack);
      await toStage('SIGNING');
      const before = await signedIds();
      expect(before).toHaveLength(1);

      const page = await fetch(url(pathOf(link(dealId))));
      expect(page.status).toBe(200);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const boot = bootOf(await page.text());
      expect(boot).toMatchObject({ state: 'open', firstName: PERSON.firstName, files: 1 });
      expect(JSON.stringify(boot)).not.toContain(PERSON.lastName);

      const res = await postJson(pathOf(link(dealId)), { files: [{ name: 'C:\\scans\\заявление.pdf', data: pdf.toString('base64') }, { name: 'согласие.PNG', data: png.toString('base64') }] });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, uploaded: 2, files: 3 });
      const after = await signedIds();
      expect(after).toHaveLength(3);
      expect(after).toEqual(expect.arrayContaining(before));
      const names = stack.sb.state.files.filter((f) => after.includes(f.id)).map((f) => f.name).sort();
      expect(names).toEqual(['from-staff.pdf', 'заявление.pdf', 'согласие.png']);
      await settle(stack);
    });

    it('refuses wrong files with a clear message', async () => {
      await toStage('SIGNING');
      const docx = Buffer.from('PK\u0003\u0004 this is a word file');
      const wrong = await postJson(pathOf(link(dealId)), { files: [{ name: 'scan.pdf', data: docx.toString('base64') }] });
      expect(wrong.status).toBe(400);
      const body = (await wrong.json()) as { error: string; message: string; details: { field: string; message: string }[] };
      expect(body.error).toBe('VALIDATION_FAILED');
      expect(body.message).toContain('можно загружать только PDF, JPG или PNG');
      expect(body.details).toEqual([{ field: 'files.0', message: 'Файл «scan.pdf»: можно загружать только PDF, JPG или PNG' }]);
      const many = await postJson(pathOf(link(dealId)), { files: Array.from({ length: 9 }, (_, i) => ({ name: `p${i}.pdf`, data: pdf.toString('base64') })) });
      expect(many.status).toBe(400);
      expect(((await many.json()) as { message: string }).message).toContain('не больше 8 файлов');
      const none = await postJson(pathOf(link(dealId)), { files: [] });
      expect(none.status).toBe(400);
      const big = await postJson(pathOf(link(dealId)), { files: [{ name: 'big.pdf', data: Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024)]).toString('base64') }] });
      expect(big.status).toBe(400);
      expect(((await big.json()) as { message: string }).message).toContain('больше 10 МБ');
      expect(await signedIds()).toHaveLength(3);
    });

    it('answers an expired link with 410 and a forged one with 403', async () => {
      const expired = link(dealId, stack.sb.clock.now() - 46 * DAY);
      const page = await fetch(url(pathOf(expired)));
      expect(page.status).toBe(410);
      expect(bootOf(await page.text()).state).toBe('expired');
      const post = await postJson(pathOf(expired), { files: [{ name: 'a.pdf', data: pdf.toString('base64') }] });
      expect(post.status).toBe(410);
      expect(((await post.json()) as { error: string }).error).toBe('LINK_EXPIRED');

      const good = pathOf(link(dealId));
      const forged = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
      const forgedPage = await fetch(url(forged));
      expect(forgedPage.status).toBe(403);
      expect(bootOf(await forgedPage.text()).state).toBe('forged');
      expect((await postJson(forged, { files: [] })).status).toBe(403);
      // Another deal id under the same signature, or a staff session instead of an upload token.
      const [body, mac] = good.split('/').pop()!.split('.');
      const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
      const swapped = `${Buffer.from(JSON.stringify({ ...claims, d: dealId + 1 })).toString('base64url')}.${mac}`;
      expect((await fetch(url(`/upload/${swapped}`))).status).toBe(403);
      expect((await fetch(url(`/upload/${session}`))).status).toBe(403);
      expect(await signedIds()).toHaveLength(3);
    });

    it('says the documents were received once the application moved on', async () => {
      await toStage('RESOLUTION');
      await settle(stack);
      const page = await fetch(url(pathOf(link(dealId))));
      expect(page.status).toBe(200);
      expect(bootOf(await page.text()).state).toBe('received');
      const post = await postJson(pathOf(link(dealId)), { files: [{ name: 'late.pdf', data: pdf.toString('base64') }] });
      expect(post.status).toBe(409);
      const body = (await post.json()) as { error: string; message: string };
      expect(body.error).toBe('UPLOAD_CLOSED');
      expect(body.message).toContain('уже получены');
    });
  });

  it('keeps nothing of the applicant in the SQLite file', async () => {
    await settle(stack);
    const raw = Buffer.concat(['', '-wal', '-shm'].map((suffix) => `${stack.config.dbPath}${suffix}`).filter((p) => existsSync(p)).map((p) => readFileSync(p)));
    const needles = [PERSON.lastName, PERSON.firstName, PERSON.middleName, PERSON.email, PERSON.email.toLowerCase(), PHONE_E164, PHONE_E164.slice(2), '555-43-21', '1988-03-14', PERSON.position];
    for (const n of needles) {
      expect(raw.includes(Buffer.from(n, 'utf8')), `SQLite holds "${n}"`).toBe(false);
      expect(raw.includes(Buffer.from(n, 'utf16le')), `SQLite holds "${n}" (UTF-16)`).toBe(false);
    }
    expect(raw.length).toBeGreaterThan(0);
  });
});

describe('replacing the link', () => {
  it('gives a new address (administrators only); the old one stops working at once', async () => {
    const old = slug;
    const res = await fetch(url('/api/apply-link/rotate'), { method: 'POST', headers: { 'x-du-session': session, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; qrSvg: string };
    const fresh = body.url.split('/').pop()!;
    expect(fresh).not.toBe(old);
    expect((await fetch(url(`/apply/${old}`))).status).toBe(404);
    expect((await fetch(url(`/apply/${fresh}`))).status).toBe(200);
    const viewer = sealer.sign({ m: memberId(), u: 7, a: false, n: 'Сотрудник' }, 60_000, stack.sb.clock.now());
    expect((await fetch(url('/api/apply-link/rotate'), { method: 'POST', headers: { 'x-du-session': viewer, 'content-type': 'application/json' }, body: '{}' })).status).toBe(403);
  });
});
