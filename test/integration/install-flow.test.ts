import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../app/registry/manifest.js';
import { mapKeys } from '../../app/registry/names.js';
import { toForm } from '../helpers/contract.js';
import { settle, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const map = () => stack.app.store.getMap(stack.sb.memberId);
const post = (path: string, body: string) => fetch(`${stack.app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

async function newApplication(name: string) {
  const m = await map();
  const contact = (await stack.sb.callAs(1, 'crm.item.add', { entityTypeId: 3, fields: { name, lastName: 'Проверкина' } })) as { item: { id: number } };
  const deal = (await stack.sb.callAs(1, 'crm.item.add', { entityTypeId: 2, fields: { title: `Заявление ${name}`, categoryId: Number(m[mapKeys.pipelineCategory('membership')]), contactIds: [contact.item.id] } })) as { item: { id: number } };
  return { contactId: contact.item.id, dealId: deal.item.id };
}

const wonStage = async () => (await map())[mapKeys.stage('membership', 'WON')]!;
const statusComments = (contactId: number) => stack.sb.state.timelineComments.filter((c) => Number(c.entityId) === contactId && String(c.comment).includes('#du-status'));

describe('install → reconcile → re-install → events → robots → uninstall, against the sandbox portal', () => {
  it('installs: registers everything in the manifest and finishes', async () => {
    stack.sb.resetStats();
    await stack.sb.installApp();
    await settle(stack);
    const portal = await stack.app.store.getPortal(stack.sb.memberId);
    expect(portal?.installedAt).toBeTruthy();
    const st = stack.sb.state;
    const cat = st.categories.find((c) => c.name === 'Вступление в профсоюз');
    expect(cat).toBeDefined();
    const stages = st.statuses.filter((s) => s.entityId === `DEAL_STAGE_${cat!.id}`).sort((a, b) => a.sort - b.sort).map((s) => s.name);
    expect(stages).toEqual(['Новое заявление', 'Подписание документов', 'Подготовка постановления', 'Передача работодателю', 'Решение положительное', 'Решение отрицательное']);
    expect(st.crmTypes.map((t) => t.title)).toContain('Постановления');
    expect(st.robots.map((r) => r.code).sort()).toEqual(loadManifest().robots.map((r) => r.code).sort());
    expect(st.eventBindings.filter((b) => b.handler === `${stack.app.url.replace('127.0.0.1', '127.0.0.1')}/events` || b.offline).length).toBeGreaterThan(0);
    expect(st.userFields.map((f) => f.fieldName)).toEqual(expect.arrayContaining(['UF_CRM_DU_STATUS', 'UF_CRM_DU_ORG_TYPE', 'UF_CRM_DU_SIGNED_DOCS']));
    const m = await map();
    expect(m[mapKeys.enumItem('contact.status', 'member')]).toMatch(/^\d+$/);
    // Fresh-install request budget (issue 4: ≤ 6), measured 3: read; create the containers and what
    // fits beside them + read the new containers; fix their stages, create the rest + verify what
    // changed. The last two requests are one batch of ≤ 50 commands each (50 and 47 today); a bigger
    // manifest can make it 4 — then measure (`npm run bench -- install`) and set the new figure here.
    expect(stack.sb.stats.requests).toBeLessThanOrEqual(3);
  });

  it('re-installs into an up-to-date portal with reads only', async () => {
    // The install job is keyed by the callback's ts (seconds): a re-install in the same second would be
    // taken for a repeat of the first and reconcile nothing.
    stack.sb.clock.advance(2_000);
    stack.sb.resetStats();
    await stack.sb.installApp();
    await settle(stack);
    expect(stack.sb.stats.mutations).toBe(0);
    expect(stack.sb.stats.requests).toBeGreaterThanOrEqual(1);
    expect(stack.sb.stats.requests).toBeLessThanOrEqual(2);
  });

  it('acts once when a deal enters "Решение положительное", however often the event comes', async () => {
    const { contactId, dealId } = await newApplication('Анна');
    await settle(stack);
    await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { stageId: await wonStage() } });
    await settle(stack);
    expect(statusComments(contactId)).toHaveLength(1);
    // The portal delivers the same event again (twice more): still one effect.
    const delivery = stack.sb.deliveries.filter((d) => d.kind === 'event' && d.event === 'ONCRMDEALUPDATE').at(-1)!;
    for (let i = 0; i < 2; i++) expect((await post('/events', toForm(delivery.payload))).status).toBe(200);
    await settle(stack);
    expect(statusComments(contactId)).toHaveLength(1);
    const contact = stack.sb.state.items['3']![String(contactId)]!;
    const m = await map();
    expect(String(contact.data[m[mapKeys.field('contact.status')]!])).toBe(m[mapKeys.enumItem('contact.status', 'member')]);
  });

  it('refuses a forged application_token with 401 and records nothing', async () => {
    const before = await stack.app.store.queueStats();
    const body = new URLSearchParams({ event: 'ONCRMDEALUPDATE', 'data[FIELDS][ID]': '1', ts: '1', 'auth[domain]': stack.sb.domain, 'auth[client_endpoint]': stack.sb.clientEndpoint, 'auth[server_endpoint]': stack.sb.serverEndpoint, 'auth[member_id]': stack.sb.memberId, 'auth[application_token]': 'forged' }).toString();
    const res = await post('/events', body);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('INVALID_APPLICATION_TOKEN');
    const robot = await post('/robots/set-member-status', body);
    expect(robot.status).toBe(400);
    expect(await stack.app.store.queueStats()).toEqual(before);
  });

  it('runs the robot an admin put on a stage and reports back through bizproc.event.send', async () => {
    const m = await map();
    const cat = Number(m[mapKeys.pipelineCategory('membership')]);
    const signing = m[mapKeys.stage('membership', 'SIGNING')]!;
    stack.sb.automation.addRobot({ entityTypeId: 2, categoryId: cat, stageId: signing, code: 'set-member-status', properties: { status: 'applied' } });
    const { contactId, dealId } = await newApplication('Борис');
    await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { stageId: signing } });
    await settle(stack);
    const run = stack.sb.automation.runs.find((r) => r.documentId[2] === `DEAL_${dealId}`);
    expect(run?.status).toBe('completed');
    expect(run?.returnValues).toMatchObject({ result: 'ok' });
    expect(statusComments(contactId)).toHaveLength(1);
  });

  it('reports invalid robot properties back to the portal instead of dropping the call', async () => {
    const m = await map();
    const cat = Number(m[mapKeys.pipelineCategory('membership')]);
    const employer = m[mapKeys.stage('membership', 'EMPLOYER')]!;
    stack.sb.automation.addRobot({ entityTypeId: 2, categoryId: cat, stageId: employer, code: 'set-member-status', properties: { status: 'deregistered' } });
    const { dealId } = await newApplication('Вера');
    await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: dealId, fields: { stageId: employer } });
    await settle(stack);
    const run = stack.sb.automation.runs.find((r) => r.documentId[2] === `DEAL_${dealId}`);
    expect(run?.status).toBe('completed');
    expect(run?.returnValues).toMatchObject({ result: 'error' });
    expect(String(run?.returnValues?.message)).toContain('причину');
  });

  it('catches up on cards moved while the app was down, acting once each', async () => {
    const apps = [await newApplication('Глеб'), await newApplication('Дарья'), await newApplication('Егор')];
    await settle(stack);
    const won = await wonStage();
    await stack.stopApp();
    for (const a of apps) await stack.sb.callAs(1, 'crm.item.update', { entityTypeId: 2, id: a.dealId, fields: { stageId: won } });
    await stack.sb.waitForDeliveries();
    expect(stack.sb.deliveries.filter((d) => d.kind === 'event' && d.error).length).toBeGreaterThan(0);
    await stack.startApp();
    await settle(stack);
    for (const a of apps) expect(statusComments(a.contactId)).toHaveLength(1);
  });

  it('uninstall forgets the tokens', async () => {
    await stack.sb.uninstallApp();
    await settle(stack);
    const portal = await stack.app.store.getPortal(stack.sb.memberId);
    expect(portal?.status).toBe('uninstalled');
    expect(portal?.accessToken).toBe('');
    expect(portal?.refreshToken).toBe('');
  });
});
