/**
 * The membership pipeline end to end through the sandbox portal, driven the way the portal drives
 * it: cards created and moved by people (REST calls inside the portal), events delivered to the app,
 * robots put on stages by an admin, a virtual clock for the signing deadlines.
 */
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueScan } from '../../app/schedules.js';
import { mapKeys } from '../../app/registry/names.js';
import { toForm } from '../helpers/contract.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let m: Record<string, string>;
const ORG = { primary: 0, workshop: 0 };
const CHAIRMAN = 5; // head of "Цех № 1" chairs the workshop organisation
const PRIMARY_CHAIRMAN = 3;
const ACCOUNTANT = 7;
const DAY = 24 * 60 * 60 * 1000;

const f = (key: string) => m[mapKeys.field(key)]!;
const stage = (key: string) => m[mapKeys.stage('membership', key)]!;
const category = () => Number(m[mapKeys.pipelineCategory('membership')]);
const as = (method: string, params: Record<string, unknown>) => stack.sb.callAs(2, method, params) as Promise<any>;
const deal = (id: number) => stack.sb.callAs(1, 'crm.deal.get', { id }) as Promise<Record<string, any>>;
const contact = (id: number) => stack.sb.callAs(1, 'crm.contact.get', { id }) as Promise<Record<string, any>>;
const statusOf = async (contactId: number) => {
  const c = await contact(contactId);
  return Object.entries(m).find(([k, v]) => k.startsWith('enum.contact.status.') && v === String(c[f('contact.status')]))?.[0].split('.').pop() ?? null;
};
const emailsTo = (addr: string) => stack.sb.state.emails.filter((e) => e.to.includes(addr));
const notificationsFor = (userId: number) => stack.sb.state.notifications.filter((n) => Number(n.userId) === userId);

let seq = 0;
async function apply(person: { last: string; first: string; middle?: string; birth?: string; email?: string; phone?: string; org?: number }) {
  seq++;
  const c = await as('crm.contact.add', {
    fields: {
      LAST_NAME: person.last,
      NAME: person.first,
      SECOND_NAME: person.middle ?? '',
      BIRTHDATE: person.birth ?? '1990-05-0' + ((seq % 9) + 1),
      POST: 'Инженер',
      EMAIL: [{ VALUE: person.email ?? `applicant${seq}@example.test`, VALUE_TYPE: 'WORK' }],
      PHONE: [{ VALUE: person.phone ?? `+7900000${String(seq).padStart(4, '0')}`, VALUE_TYPE: 'WORK' }],
    },
  });
  const d = await as('crm.deal.add', {
    fields: { TITLE: `Заявление ${person.last}`, CATEGORY_ID: category(), STAGE_ID: stage('NEW'), CONTACT_ID: c, [f('deal.applicantOrg')]: person.org ?? ORG.workshop, [f('deal.pdConsent')]: 'Y' },
  });
  return { contactId: Number(c), dealId: Number(d) };
}

beforeAll(async () => {
  stack = await startStack();
  await stack.sb.installApp();
  await settle(stack);
  m = await stack.app.store.getMap(stack.sb.memberId);
  await stack.app.store.setSetting(stack.sb.memberId, 'roles', { accountant: [ACCOUNTANT] });
  ORG.primary = Number(await as('crm.company.add', { fields: { TITLE: 'ППО АО «Тестэнерго»', ASSIGNED_BY_ID: PRIMARY_CHAIRMAN, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'primary')] } }));
  ORG.workshop = Number(await as('crm.company.add', { fields: { TITLE: 'ЦПО Котельный цех', ASSIGNED_BY_ID: CHAIRMAN, [f('company.orgType')]: m[mapKeys.enumItem('company.orgType', 'workshop')], [f('company.parentOrg')]: ORG.primary } }));
});
afterAll(async () => {
  await stack?.close();
});

describe('membership: from application to member', () => {
  let path: { contactId: number; dealId: number };

  it('new application: documents, status "applied", organisation, chairman responsible, e-mail, then signing', async () => {
    path = await apply({ last: 'Заявкина', first: 'Мария', middle: 'Олеговна', email: 'maria@example.test' });
    await settle(stack);
    const d = await deal(path.dealId);
    expect(d.STAGE_ID).toBe(stage('SIGNING'));
    expect(Number(d.ASSIGNED_BY_ID)).toBe(CHAIRMAN);
    expect(d[f('deal.generatedDocs')]).toHaveLength(4);
    expect(String(d[f('deal.checkResult')])).toMatch(/дублей не найдено/);
    expect(await statusOf(path.contactId)).toBe('applied');
    expect(Number((await contact(path.contactId)).COMPANY_ID)).toBe(ORG.workshop);
    expect(notificationsFor(CHAIRMAN).some((n) => String(n.message).includes('Заявкина'))).toBe(true);
    const [mail] = emailsTo('maria@example.test');
    expect(mail?.subject).toBe('Документы для вступления в профсоюз');
    expect(mail?.body).toMatch(/\/upload\/[\w-]+\.[\w-]+/);
    expect(mail?.attachments).toHaveLength(4);
  });

  it('the generated application names the applicant', async () => {
    const d = await deal(path.dealId);
    const files = d[f('deal.generatedDocs')] as { id: number }[];
    const stored = stack.sb.state.files.find((x) => x.id === files[0]!.id)!;
    const zip = await JSZip.loadAsync(Buffer.from(stored.contentBase64, 'base64'));
    expect(await zip.file('word/document.xml')!.async('string')).toContain('Заявкина');
  });

  it('signed documents attached → resolution stage → numbered resolution with its document', async () => {
    await as('crm.deal.update', { id: path.dealId, fields: { [f('deal.signedDocs')]: [['подписано.pdf', Buffer.from('%PDF-1.4 test').toString('base64')]] } });
    await settle(stack);
    expect((await deal(path.dealId)).STAGE_ID).toBe(stage('RESOLUTION'));
    const entityTypeId = Number(m[mapKeys.spaEntityType('resolutions')]);
    const items = Object.values(stack.sb.state.items[String(entityTypeId)] ?? {});
    expect(items).toHaveLength(1);
    const r = items[0]!.data;
    expect(String(r[m[mapKeys.spaField('resolutions', 'number')]!])).toBe('1');
    expect(r[m[mapKeys.spaField('resolutions', 'file')]!]).toBeTruthy();
  });

  it('employer stage records the handoff date and tells the accountant', async () => {
    await as('crm.deal.update', { id: path.dealId, fields: { STAGE_ID: stage('EMPLOYER') } });
    await settle(stack);
    expect(String((await deal(path.dealId))[f('deal.employerSentAt')])).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(notificationsFor(ACCOUNTANT).some((n) => String(n.message).includes('работодател'))).toBe(true);
  });

  it('positive decision: a member with the date, and a congratulation', async () => {
    await as('crm.deal.update', { id: path.dealId, fields: { STAGE_ID: stage('WON') } });
    await settle(stack);
    expect(await statusOf(path.contactId)).toBe('member');
    expect(emailsTo('maria@example.test').map((e) => e.subject)).toContain('Вы приняты в члены профсоюза');
  });

  it('someone who already has a status is stopped at the new stage, the responsible told why', async () => {
    const again = await apply({ last: 'Заявкина', first: 'Мария', middle: 'Олеговна', email: 'maria@example.test', birth: (await contact(path.contactId)).BIRTHDATE });
    await settle(stack);
    const d = await deal(again.dealId);
    expect(d.STAGE_ID).toBe(stage('NEW'));
    expect(String(d[f('deal.checkResult')])).toMatch(/Член профсоюза/);
    expect(d[f('deal.generatedDocs')] ?? []).toHaveLength(0);
  });

  it('a namesake without other matches is a warning, not a stop', async () => {
    const other = await apply({ last: 'заявкина', first: 'Мария', middle: 'олеговна', email: 'other@example.test', birth: '1970-01-01' });
    await settle(stack);
    const d = await deal(other.dealId);
    expect(d.STAGE_ID).toBe(stage('SIGNING'));
    expect(String(d[f('deal.checkResult')])).toMatch(/Возможный дубль/);
  });

  it('the same event three times makes one set of documents', async () => {
    const p = await apply({ last: 'Троекратова', first: 'Ольга' });
    await settle(stack);
    const delivery = stack.sb.deliveries.filter((x) => x.kind === 'event' && x.event === 'ONCRMDEALADD').at(-1)!;
    for (let i = 0; i < 2; i++) await fetch(`${stack.app.url}/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: toForm({ ...delivery.payload, ts: String(Number(delivery.payload.ts) + i + 1) }) });
    await settle(stack);
    expect((await deal(p.dealId))[f('deal.generatedDocs')]).toHaveLength(4);
    expect(emailsTo('applicant' + seq + '@example.test')).toHaveLength(1);
  });

  it('a robot the admin put on the new stage does the same as the event path, once', async () => {
    const rule = stack.sb.automation.addRobot({ entityTypeId: 2, categoryId: category(), stageId: stage('NEW'), code: 'run-stage-action' });
    const p = await apply({ last: 'Роботова', first: 'Алла', email: 'robot@example.test' });
    await settle(stack);
    stack.sb.automation.removeRobot(rule.id);
    expect((await deal(p.dealId)).STAGE_ID).toBe(stage('SIGNING'));
    expect(emailsTo('robot@example.test')).toHaveLength(1);
    const run = stack.sb.automation.runs.find((r) => r.documentId[2] === `DEAL_${p.dealId}`);
    expect(run?.status).toBe('completed');
  });

  it('the step robots an admin composes automation from: check, documents, organisation — sharing the event path\'s steps', async () => {
    const rules = ['check-applicant', 'generate-documents', 'attach-to-organisation'].map((code) =>
      stack.sb.automation.addRobot({ entityTypeId: 2, categoryId: category(), stageId: stage('NEW'), code }),
    );
    const p = await apply({ last: 'Шаговая', first: 'Нина', email: 'steps@example.test' });
    await settle(stack);
    for (const r of rules) stack.sb.automation.removeRobot(r.id);
    const runs = stack.sb.automation.runs.filter((r) => r.documentId[2] === `DEAL_${p.dealId}`);
    expect(runs.map((r) => [r.code, r.status]).sort()).toEqual([
      ['attach-to-organisation', 'completed'],
      ['check-applicant', 'completed'],
      ['generate-documents', 'completed'],
    ]);
    expect(runs.find((r) => r.code === 'check-applicant')?.returnValues).toMatchObject({ result: 'ok', outcome: 'new' });
    expect(runs.find((r) => r.code === 'attach-to-organisation')?.returnValues).toMatchObject({ organisationId: String(ORG.workshop), responsibleId: String(CHAIRMAN) });
    // One set of documents, whichever of the robot and the event path got there first.
    expect((await deal(p.dealId))[f('deal.generatedDocs')]).toHaveLength(4);
    const folder = stack.sb.state.disk.objects.find((o) => o.type === 'folder' && o.name === `Сделка ${p.dealId}`)!;
    expect(stack.sb.state.disk.objects.filter((o) => o.parentId === folder.id)).toHaveLength(4);
    expect(emailsTo('steps@example.test')).toHaveLength(1);
  });

  it('day 10 without signed documents: reminder e-mail, notification, to-do; day 40: closed as negative', async () => {
    const p = await apply({ last: 'Медленнова', first: 'Вера', email: 'slow@example.test' });
    await settle(stack);
    const scan = async () => {
      await enqueueScan(stack.app.store, 'signing-deadlines', `t${stack.sb.clock.now()}`);
      stack.app.worker.kick();
      await settle(stack);
    };
    await scan();
    expect(emailsTo('slow@example.test')).toHaveLength(1);
    stack.sb.clock.advance(10 * DAY);
    await scan();
    await scan(); // a second scan the same day sends nothing new
    const mails = emailsTo('slow@example.test');
    expect(mails.map((e) => e.subject)).toEqual(['Документы для вступления в профсоюз', 'Напоминание: подпишите документы для вступления в профсоюз']);
    expect(stack.sb.state.activities.filter((a) => a.ownerId === p.dealId && a.subject === 'Позвонить заявителю')).toHaveLength(1);
    stack.sb.clock.advance(30 * DAY);
    await scan();
    const d = await deal(p.dealId);
    expect(d.STAGE_ID).toBe(stage('LOSE'));
    expect(String(d[f('deal.refusalReason')])).toMatch(/не предоставлены/);
    expect(emailsTo('slow@example.test').at(-1)?.subject).toBe('Решение по заявлению о вступлении в профсоюз');
    // One refusal letter: sent with the closing, and the LOSE stage's own action finds it sent.
    expect(emailsTo('slow@example.test')).toHaveLength(3);
  });
});
